#!/usr/bin/env bash
# Cluster tests: a sweep's file must be the same whether it runs serially, on 1
# or 2 MPI ranks, as 3 Slurm array shards merged, or killed with -9 and resumed.
# Needs the build (./build/ratenet), Open MPI, and - for the Slurm part - root
# with slurm-wlm and munge installed (a single-node cluster is started here and
# stopped at the end). Prints "N passed, N failed".
#   bash tests/cluster/run.sh [build-dir]
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN="$ROOT/${1:-build}/ratenet"
CFG="$ROOT/configs/sweep_chaos_small.toml"
CMP="/usr/bin/python3 $ROOT/tests/cluster/compare_h5.py"
WORK=$(mktemp -d /tmp/ratenet-cluster.XXXXXX)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
passed=0; failed=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@" > "$WORK/$name.log" 2>&1; then echo "PASS $name"; passed=$((passed+1));
  else echo "FAIL $name"; sed 's/^/    /' "$WORK/$name.log" | tail -20; failed=$((failed+1)); fi
}
cd "$WORK"
"$BIN" sweep "$CFG" -o serial.h5 --quiet || { echo "FAIL serial sweep"; exit 1; }

# MPI, 1 and 2 ranks (dynamic distribution).
check mpi_1_rank bash -c "mpirun -n 1 --oversubscribe '$BIN' sweep '$CFG' -o mpi1.h5 --quiet && $CMP serial.h5 mpi1.h5"
check mpi_2_ranks bash -c "mpirun -n 2 --oversubscribe '$BIN' sweep '$CFG' -o mpi2.h5 --quiet && $CMP serial.h5 mpi2.h5"
check mpi_too_many_ranks bash -c "mpirun -n 2 --oversubscribe '$BIN' sweep '$CFG' --set 'sweep.params={\"model.g\"=[1.0]}' --set sweep.seeds=1 -o x.h5 2> err.txt; rc=\$?; [ \$rc -eq 2 ] && grep -q 'more MPI ranks than sweep points' err.txt"

# Threads: the dense kernels split work by shapes, not by threads, so 1 or 2
# OpenMP threads, and 2 MPI ranks left to share the cores themselves (no
# OMP_NUM_THREADS), give the same bits. Sizes large enough for the threaded paths:
# N = 700 (matrix-vector products), 64 tangent vectors (products and QR).
TCFG=(--set model.n=700 --set sweep.analysis='"lyapunov"' --set lyapunov.k=64 --set lyapunov.t_sim=4
      --set lyapunov.t_warmup=2 --set lyapunov.t_ons_warmup=1 --set sweep.seeds=1
      --set 'sweep.params={"model.g"=[1.5, 2.0]}')
threads_same_bits() {
  OMP_NUM_THREADS=1 "$BIN" sweep "$CFG" "${TCFG[@]}" -o t1.h5 --quiet || return 1
  OMP_NUM_THREADS=2 "$BIN" sweep "$CFG" "${TCFG[@]}" -o t2.h5 --quiet || return 1
  env -u OMP_NUM_THREADS mpirun -n 2 --oversubscribe "$BIN" sweep "$CFG" "${TCFG[@]}" -o t3.h5 --quiet || return 1
  $CMP t1.h5 t2.h5 && $CMP t1.h5 t3.h5
}
check threads_same_bits threads_same_bits

# Shards merged locally.
check shards_merged bash -c "for i in 0 1 2; do '$BIN' sweep '$CFG' --shard \$i/3 -o local\$i.h5 --quiet || exit 1; done; '$BIN' merge local.h5 local0.h5 local1.h5 local2.h5 && $CMP serial.h5 local.h5"
check merge_refuses_other_config bash -c "'$BIN' sweep '$CFG' --set model.n=50 --shard 0/3 -o other0.h5 --quiet; '$BIN' merge bad.h5 other0.h5 local1.h5 2> err.txt; [ \$? -eq 2 ] && grep -q 'different sweep config' err.txt && [ ! -e bad.h5 ]"

# kill -9 in the middle of a sweep, then --resume: the same file.
kill_resume() {
  "$BIN" sweep "$CFG" -o killed.h5 --quiet --set simulate.t_end=400 &
  local pid=$!
  sleep 1.5
  kill -9 $pid; wait $pid 2>/dev/null
  [ -d killed.h5.points ] || { echo "no journal left"; return 1; }
  ls killed.h5.points | grep -c '^p' | sed 's/^/points committed before the kill: /'
  "$BIN" sweep "$CFG" -o killed.h5 --quiet --resume --set simulate.t_end=400 || return 1
  "$BIN" sweep "$CFG" -o full400.h5 --quiet --set simulate.t_end=400 || return 1
  [ ! -e killed.h5.points ] || { echo "journal not removed"; return 1; }
  $CMP full400.h5 killed.h5
}
check kill9_then_resume kill_resume

# Slurm job array of 3 shards on a real single-node cluster.
slurm_array() {
  command -v sbatch >/dev/null || { echo "sbatch not installed"; return 1; }
  local started=0
  if ! sinfo -h >/dev/null 2>&1; then
    bash "$ROOT/.ci/slurm/setup_slurm.sh" || return 1
    started=1
  fi
  local jid
  jid=$(sbatch --parsable --array=0-2 --chdir="$WORK" \
        --export=ALL,CONFIG="$CFG",OUT="$WORK/slurm",RATENET="$BIN" "$ROOT/configs/slurm_sweep.sbatch") || return 1
  echo "submitted array job $jid"
  for _ in $(seq 1 600); do
    [ -z "$(squeue -h -j "$jid" 2>/dev/null)" ] && break
    sleep 0.5
  done
  cat "$WORK"/ratenet-sweep-*.log 2>/dev/null
  [ $started -eq 1 ] && bash "$ROOT/.ci/slurm/stop_slurm.sh"
  "$BIN" merge slurm.h5 slurm.shard0.h5 slurm.shard1.h5 slurm.shard2.h5 && $CMP serial.h5 slurm.h5
}
if [ "$(id -u)" -eq 0 ] && command -v slurmctld >/dev/null; then
  check slurm_array_3_shards slurm_array
else
  echo "SKIP slurm_array_3_shards (needs root and slurm-wlm)"
fi

cd /; rm -rf "$WORK"
echo "cluster: $passed passed, $failed failed"
[ $failed -eq 0 ]
