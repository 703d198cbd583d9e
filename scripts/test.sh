#!/usr/bin/env bash
# Builds microshop (installing what is missing) and runs every test through
# ctest. Exits non-zero when anything fails.
# Env: MICROSHOP_BUILD_DIR (default: build); extra args go to ctest (-R x).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MICROSHOP_BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
ctest --test-dir "$build" --output-on-failure -j2 "$@"
