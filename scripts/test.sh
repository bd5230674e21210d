#!/usr/bin/env bash
# Runs every test: the C++ tests (GoogleTest through CTest, warnings as errors;
# CTest also runs the hostile corpus of tests/hostile/ against the binary),
# the Python analysis tests (pytest), the Python documentation (the tutorial
# notebook executed, the Sphinx HTML built without warnings), the cluster tests (sweeps under MPI and as
# Slurm array shards on a single-node cluster), then the C++ tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer. Exits non-zero on any failure.
#   bash scripts/test.sh            everything
#   bash scripts/test.sh --quick    skip the sanitizer pass
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
jobs=$(nproc)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$jobs}

# HDF5 prints its error stack only when a caller forgot to silence it: any such
# text in the tests' output (CTest keeps all of it) fails the run.
no_hdf5_diag() {
  if grep -q "HDF5-DIAG" "$1/Testing/Temporary/LastTest.log"; then
    grep -n -B2 -A8 "HDF5-DIAG" "$1/Testing/Temporary/LastTest.log" | head -40 >&2
    echo "test: HDF5 printed diagnostics (see $1/Testing/Temporary/LastTest.log)" >&2
    exit 1
  fi
}

echo "== build (Release; warnings are errors when CI is set)"
bash scripts/setup.sh
echo "== C++ tests"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 600)
no_hdf5_diag build

echo "== Python analysis tests (the package installed offline into a venv, tested there)"
rm -rf build/pyvenv
/usr/bin/python3 -m venv --system-site-packages build/pyvenv
build/pyvenv/bin/pip install -q --no-index --no-build-isolation ./analysis
# The tests must import the installed copy, not the source tree.
(cd analysis/tests && ../../build/pyvenv/bin/python -c \
  "import ratenet_analysis as ra, sys; sys.exit(0 if '/build/pyvenv/' in ra.__file__ else 'imported ' + ra.__file__)")
(cd analysis/tests && RATENET="$(pwd)/../../build/ratenet" ../../build/pyvenv/bin/python -m pytest . -q -p no:cacheprovider)
echo "== bench/README.md generator (synthetic figures; the benchmarks themselves are not run here)"
/usr/bin/python3 bench/run_all.py --selftest
echo "== Python documentation (tutorial notebook executed, Sphinx HTML with -W into build/python-docs)"
bash scripts/python_docs.sh build build/pyvenv/bin/python

echo "== cluster tests (MPI ranks, Slurm array shards, kill -9 and resume)"
bash tests/cluster/run.sh build

if [ $quick -eq 0 ]; then
  echo "== C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRATENET_SANITIZE=ON -DRATENET_WERROR=ON \
        -DRATENET_BUILD_BENCH=OFF -DRATENET_MPI=OFF >/dev/null
  if ! cmake --build build-asan -j"$jobs" > build-asan/build.log 2>&1; then
    grep -E "error|Error" -A5 build-asan/build.log | head -60 >&2
    exit 1
  fi
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     ctest --output-on-failure -j"$jobs" --timeout 1200 -LE slow)
  no_hdf5_diag build-asan
fi
echo "== all tests passed"
