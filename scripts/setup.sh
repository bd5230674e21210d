#!/usr/bin/env bash
# Installs what is missing (Debian packages, as root or with sudo) and builds
# ratenet in ./build (Release). Safe to run again: it only does what is needed.
#   bash scripts/setup.sh [extra cmake options]
# With CI set in the environment, warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t pkgs < <(grep -v '^#' scripts/packages.txt | sed '/^\s*$/d')
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=$(nproc)
# CI builds with warnings as errors.
werror=OFF
[ -n "${CI:-}" ] && werror=ON
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DRATENET_WERROR=$werror "$@" >/dev/null
if ! cmake --build build -j"$jobs" > build/build.log 2>&1; then
  grep -E "error|Error" -A5 build/build.log | head -60 >&2
  echo "setup: build failed; the full log is build/build.log" >&2
  exit 1
fi
echo "setup: built $(pwd)/build/ratenet"
