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

# Slurm on a real single-node cluster: job arrays that do not start at 0, the
# merge job submitted with afterany, a failing task, and the submit helper.
slurm_wait() {  # slurm_wait JOBID: until it has left the queue (a pending merge would hang here)
  for _ in $(seq 1 600); do
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
    sleep 0.5
  done
  echo "job $1 is still queued after 300 s: $(squeue -h -j "$1" -o '%T %r' 2>/dev/null)"
  return 1
}
slurm_jobs() {
  local jid mid jid2 mid2 out
  # 1. --array=1-3: shards 0/3, 1/3, 2/3; the merge gives the serial file.
  jid=$(sbatch --parsable --array=1-3 --chdir="$WORK" \
        --export=ALL,CONFIG="$CFG",OUT="$WORK/slurm",RATENET="$BIN" "$ROOT/configs/slurm_sweep.sbatch") || return 1
  mid=$(sbatch --parsable --dependency=afterany:"$jid" --chdir="$WORK" \
        --export=ALL,OUT="$WORK/slurm",RATENET="$BIN" "$ROOT/configs/slurm_merge.sbatch") || return 1
  echo "submitted array job $jid (1-3) and merge job $mid"
  slurm_wait "$jid" && slurm_wait "$mid" || return 1
  cat "$WORK"/ratenet-sweep-"$jid"_*.log "$WORK"/ratenet-merge-"$mid".log
  grep -q "shard 0/3" "$WORK"/ratenet-sweep-"$jid"_1.log || { echo "task 1 did not run shard 0/3"; return 1; }
  $CMP serial.h5 slurm.h5 || return 1
  # 2. Task 2 fails: the merge still runs (afterany), names the missing shard and writes nothing.
  printf '#!/bin/bash\n[ "$SLURM_ARRAY_TASK_ID" = 2 ] && { echo "task 2 fails on purpose" >&2; exit 1; }\nexec "%s" "$@"\n' \
    "$BIN" > "$WORK/fail_task2.sh"
  chmod +x "$WORK/fail_task2.sh"
  jid2=$(sbatch --parsable --array=1-3 --chdir="$WORK" \
         --export=ALL,CONFIG="$CFG",OUT="$WORK/failing",RATENET="$WORK/fail_task2.sh" "$ROOT/configs/slurm_sweep.sbatch") || return 1
  mid2=$(sbatch --parsable --dependency=afterany:"$jid2" --chdir="$WORK" \
         --export=ALL,OUT="$WORK/failing",RATENET="$BIN" "$ROOT/configs/slurm_merge.sbatch") || return 1
  slurm_wait "$jid2" && slurm_wait "$mid2" || return 1
  cat "$WORK"/ratenet-merge-"$mid2".log
  grep -q "no file of shard 1/3 was given" "$WORK"/ratenet-merge-"$mid2".log || { echo "the merge did not name shard 1/3"; return 1; }
  [ ! -e failing.h5 ] || { echo "an incomplete merge wrote failing.h5"; return 1; }
  # 3. The submit helper: array and merge in one command.
  out=$(bash "$ROOT/configs/slurm_submit.sh" "$CFG" "$WORK/helper" 3 --chdir="$WORK") || return 1
  echo "$out"
  jid=$(echo "$out" | sed -n 's/.*array job \([0-9]*\).*/\1/p')
  mid=$(echo "$out" | sed -n 's/.*merge job \([0-9]*\).*/\1/p')
  slurm_wait "$jid" && slurm_wait "$mid" || return 1
  $CMP serial.h5 helper.h5
}
slurm_cluster() {
  command -v sbatch >/dev/null || { echo "sbatch not installed"; return 1; }
  local started=0 rc=0
  if ! sinfo -h >/dev/null 2>&1; then
    bash "$ROOT/.ci/slurm/setup_slurm.sh" || return 1
    started=1
  fi
  RATENET="$BIN" slurm_jobs || rc=1
  [ $started -eq 1 ] && bash "$ROOT/.ci/slurm/stop_slurm.sh"
  return $rc
}
if [ "$(id -u)" -eq 0 ] && command -v slurmctld >/dev/null; then
  check slurm_arrays_merge_and_failures slurm_cluster
else
  echo "SKIP slurm_arrays_merge_and_failures (needs root and slurm-wlm)"
fi

cd /; rm -rf "$WORK"
echo "cluster: $passed passed, $failed failed"
[ $failed -eq 0 ]
