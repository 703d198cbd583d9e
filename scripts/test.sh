#!/usr/bin/env bash
# Builds microshop (installing what is missing) and runs the whole test suite.
# Exits non-zero when anything fails.
#
#   scripts/test.sh           everything (what CI runs):
#                             1. unit, integration, end-to-end, fault, script tests
#                             2. unit and integration tests under ASan + UBSan
#                             3. each libFuzzer target for 60 s (MICROSHOP_FUZZ_SECONDS)
#   scripts/test.sh --quick   step 1 only
#   scripts/test.sh -- ARGS   step 1 only, with ARGS passed to ctest (e.g. -R e2e)
#
# Env: MICROSHOP_BUILD_DIR (default build; build-asan and build-fuzz beside it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MICROSHOP_BUILD_DIR:-$root/build}
mode=full
ctest_args=()
case ${1:-} in
  --quick) mode=quick ;;
  --) mode=quick; shift; ctest_args=("$@") ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--quick | -- CTEST_ARGS]" >&2; exit 2 ;;
esac

# step TITLE: prints the time the previous step took, then TITLE.
step_start=$SECONDS
step_title=
step() {
  if [[ -n $step_title ]]; then
    echo "== $step_title: $((SECONDS - step_start)) s"
  fi
  step_start=$SECONDS
  step_title=$1
  [[ -n $1 ]] && echo "== $1"
  return 0
}
trap 'step ""' EXIT

step "1/3 build and test"
MICROSHOP_WITH_FUZZ=$([[ $mode == full ]] && echo 1 || echo 0) "$root/scripts/bootstrap.sh"
"$root/scripts/build.sh"
ctest --test-dir "$build" --output-on-failure -j2 "${ctest_args[@]}"
[[ $mode == quick ]] && exit 0

step "2/3 unit and integration tests under AddressSanitizer + UBSan"
asan=${build}-asan
MICROSHOP_BUILD_DIR=$asan \
  MICROSHOP_CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Debug -DMICROSHOP_SANITIZE=ON" \
  "$root/scripts/build.sh"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  LSAN_OPTIONS=suppressions=$root/tests/sanitizer/lsan.supp \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/sanitizer/ubsan.supp \
  ctest --test-dir "$asan" --output-on-failure -j2 \
    -R '^(persistence_tests|actors_tests|http_edge_tests|integration_tests|nodes_tests)$'

step "3/3 fuzzing"
fuzz=${build}-fuzz
seconds=${MICROSHOP_FUZZ_SECONDS:-60}
if [[ ! -f $fuzz/build.ninja ]]; then
  CXX=clang++ cmake -S "$root" -B "$fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMICROSHOP_FUZZ=ON -DMICROSHOP_TESTS=OFF >/dev/null
fi
cmake --build "$fuzz" -j2 --target fuzz_http_edge fuzz_validation
for target in http_edge validation; do
  corpus=$(mktemp -d)
  cp "$root/tests/fuzz/corpus/$target/"* "$corpus/"
  echo "fuzz_$target: ${seconds}s"
  ASAN_OPTIONS=detect_leaks=1 "$fuzz/tests/fuzz/fuzz_$target" "$corpus" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    2>&1 | tail -n 12
  rm -rf "$corpus"
done
echo "fuzzing: 2 passed, 0 failed"
