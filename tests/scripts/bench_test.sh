#!/usr/bin/env bash
# Keeps scripts/bench.sh working: a 2-second run must print the table and
# write a number for every endpoint. It asserts that numbers come out, never a
# speed. It uses the binaries in BUILD_DIR as they are: it never installs or
# builds anything. Usage: bench_test.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export MICROSHOP_BUILD_DIR=$1 MICROSHOP_NO_BUILD=1
out=$(mktemp)
# Every tool that installs or builds fails and leaves a mark when called.
shims=$(mktemp -d)
trap 'rm -rf "$out" "$shims"' EXIT
for tool in apt-get apt dpkg-query sudo cmake ninja make; do
  printf '#!/bin/sh\necho "%s $*" >>"%s/called"\nexit 1\n' "$tool" "$shims" >"$shims/$tool"
  chmod +x "$shims/$tool"
done
export PATH="$shims:$PATH"
table=$("$root/scripts/bench.sh" --duration 2 --warmup 1 --preload 100 --connections 8 --json "$out" --no-build --no-peer \
  --cpu-rounds 1 --no-base --large 300 2>/dev/null)
echo "$table"
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ ! -e $shims/called ]] || fail "bench.sh installed or built: $(cat "$shims/called")"
grep -q "GET /healthz (ceiling, first)" <<<"$table" || fail "no table"
grep -q "Ratios are to the mean ceiling" <<<"$table" || fail "no ceiling line"
grep -q "POST /api/orders with a fresh Idempotency-Key" <<<"$table" || fail "no Idempotency-Key line"
for name in healthz get_user orders_by_user post_order post_order_plain_1 post_order_keyed_1 post_user get_user_under_create_load healthz_end; do
  rps=$(sed -E "s/.*\"$name\":\{[^}]*\"rps\":([0-9.]+).*/\1/" "$out")
  [[ $rps =~ ^[0-9.]+$ ]] || fail "$name: no rps in $(cat "$out")"
  awk -v r="$rps" 'BEGIN { exit !(r > 0) }' || fail "$name: rps $rps"
  non2xx=$(sed -E "s/.*\"$name\":\{[^}]*\"non2xx\":([0-9]+).*/\1/" "$out")
  [[ $non2xx == 0 ]] || fail "$name: $non2xx non-2xx answers"
done
# The side-by-side part: CPU per request of each node process, per mode.
grep -q "CPU per answered request of each node process" <<<"$table" || fail "no side-by-side table"
grep -Eq "GET /api/users/<id> at 3300 records: [0-9]+ req/s" <<<"$table" || fail "no large-set line"
for name in get_user_insecure_1 post_order_insecure_1 get_user_tls_1 post_order_tls_1 get_user_large_1; do
  for f in rps edge_us users_us orders_us total_us; do
    v=$(sed -E "s/.*\"$name\":\{[^}]*\"$f\":([0-9.]+).*/\1/" "$out")
    [[ $v =~ ^[0-9.]+$ ]] || fail "$name: no $f in $(cat "$out")"
  done
  total=$(sed -E "s/.*\"$name\":\{[^}]*\"total_us\":([0-9.]+).*/\1/" "$out")
  awk -v t="$total" 'BEGIN { exit !(t > 0) }' || fail "$name: total_us $total"
done
# The metrics cost mode: one short round of each mode, a ratio printed.
cost=$("$root/scripts/bench.sh" --metrics-cost --rounds 1 --duration 1 --warmup 0 --preload 50 --connections 4 --json "$out" --no-build 2>/dev/null)
echo "$cost"
grep -Eq "^median +- +- +[0-9.]+" <<<"$cost" || fail "--metrics-cost printed no median ratio"
for name in get_user_metrics_on_1 get_user_metrics_off_1; do
  non2xx=$(sed -E "s/.*\"$name\":\{[^}]*\"non2xx\":([0-9]+).*/\1/" "$out")
  [[ $non2xx == 0 ]] || fail "$name: '$non2xx' non-2xx answers"
done
# compare.sh: one short round of the same build twice, medians printed.
cmp_out=$("$root/scripts/compare.sh" --rounds 1 --duration 1 --warmup 0 --preload 50 --connections 4 \
  --endpoints get_user "$1" "$1" 2>/dev/null)
echo "$cmp_out"
for b in b0 b1; do
  grep -Eq "^get_user +$b +edge +[0-9.]+ users +[0-9.]+ orders +[0-9.]+ total +[0-9.]+ us +per wrk +[0-9.]+" <<<"$cmp_out" ||
    fail "compare.sh printed no median line for $b"
done
echo "bench_test: 4 passed, 0 failed"
