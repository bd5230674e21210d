#!/usr/bin/env bash
# Builds the documentation of the Python package ratenet_analysis: executes the
# tutorial notebook (analysis/docs/tutorial.ipynb, stored without outputs) and
# builds the Sphinx HTML (API reference from the numpydoc docstrings, the
# executed tutorial with its figures) into BUILD_DIR/python-docs.
#   bash scripts/python_docs.sh BUILD_DIR PYTHON
# BUILD_DIR holds the ratenet binary (BUILD_DIR/ratenet, unless $RATENET is set);
# PYTHON has ratenet_analysis installed and sees Debian's Sphinx, numpydoc,
# nbclient, nbconvert and ipykernel (scripts/test.sh: build/pyvenv/bin/python,
# a venv made with --system-site-packages). The notebook's kernel is PYTHON itself.
# Fails on any Sphinx warning (-W: also a docstring that misses a numpydoc
# section) and on any error in a notebook cell. Nothing is downloaded.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR PYTHON" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
build=$(cd "$1" && pwd)
py=$2
case "$py" in */*) py=$(cd "$(dirname "$py")" && pwd)/$(basename "$py") ;; esac

export RATENET=${RATENET:-$build/ratenet}
if [ ! -x "$RATENET" ]; then
  echo "python_docs: no ratenet binary at $RATENET (build it, or set RATENET)" >&2
  exit 1
fi
# The installed package, imported from outside the source tree.
(cd / && "$py" -c "import ratenet_analysis, sphinx, numpydoc, nbclient, nbconvert, ipykernel") || {
  echo "python_docs: $py cannot import ratenet_analysis or the documentation tools (see scripts/packages.txt)" >&2
  exit 1
}

src=$build/python-docs-src     # the sources plus the executed tutorial (never written into the source tree)
out=$build/python-docs
rm -rf "$src" "$out"
mkdir -p "$src"
cp "$root"/analysis/docs/conf.py "$root"/analysis/docs/*.rst "$src"/

start=$(date +%s)
(cd "$build" && OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} "$py" "$root/analysis/docs/execute_tutorial.py" \
   "$root/analysis/docs/tutorial.ipynb" "$src")
(cd "$build" && "$py" -m sphinx -W --keep-going -q -b html -d "$build/python-docs-doctrees" "$src" "$out")
echo "python_docs: $out/index.html ($(( $(date +%s) - start )) s: notebook executed, HTML built without warnings)"
