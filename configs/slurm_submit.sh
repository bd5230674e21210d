#!/bin/bash
# Submits a ratenet sweep to Slurm: an array of N shards, then the merge job,
# which runs after every task has ended (afterany) and reports missing shards.
#   bash configs/slurm_submit.sh CONFIG OUT N [sbatch options...]
# e.g. bash configs/slurm_submit.sh configs/sweep_chaos_small.toml results/sweep 4 --partition=short
# RATENET (default: ratenet on PATH) and RESUME=1 are passed on to the jobs.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 CONFIG OUT N [sbatch options...]" >&2
  exit 2
fi
config=$1 out=$2 n=$3
shift 3
case $n in '' | *[!0-9]* | 0) echo "$0: error: N = '$n' must be a whole number >= 1" >&2; exit 2 ;; esac
[ -f "$config" ] || { echo "$0: error: no config file $config" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$(dirname "$out")"
array=$(sbatch --parsable --array=0-$((n - 1)) --export=ALL,CONFIG="$config",OUT="$out" "$@" "$here/slurm_sweep.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterany:"$array" --export=ALL,OUT="$out" "$@" "$here/slurm_merge.sbatch")
echo "submitted array job $array ($n shards of $config) and merge job $merge -> $out.h5"
