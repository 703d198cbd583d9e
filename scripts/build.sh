#!/usr/bin/env bash
# Installs missing packages, configures and builds microshop (2 jobs).
# Env: MICROSHOP_BUILD_DIR (default: build), MICROSHOP_CMAKE_ARGS (extra args).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MICROSHOP_BUILD_DIR:-$root/build}
"$root/scripts/bootstrap.sh"
if [[ ! -f "$build/build.ninja" ]]; then
  # shellcheck disable=SC2086
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    ${MICROSHOP_CMAKE_ARGS:-} >/dev/null
fi
cmake --build "$build" -j2
