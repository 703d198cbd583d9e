#!/usr/bin/env bash
# Keeps scripts/scale.sh working: a 1-second 1x1 run (and 2x2 when the
# binaries are sharded) must print the table, write every field of the JSON
# for both endpoints, and leave no namespace, cgroup or process behind, also
# after a run that crashed. Asserts that numbers come out, never a speed.
# Needs root (skipped, exit 77, without). Never installs or builds.
# Usage: scale_test.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export MICROSHOP_BUILD_DIR=$1 MICROSHOP_NO_BUILD=1
fail() { echo "FAIL: $*" >&2; exit 1; }

# Without root it refuses, saying why, before it touches anything.
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
  rc=0
  msg=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
    bash "$root/scripts/scale.sh" --no-build 2>&1) || rc=$?
  [[ $rc == 1 && $msg == *"needs root"* ]] || fail "as nobody: exit $rc, '$msg'"
fi
if [[ $EUID != 0 ]]; then
  echo "scale_test: skipped (needs root)"
  exit 77
fi

work=$(mktemp -d)
shims=$(mktemp -d)
trap 'ip netns del msscale-stale 2>/dev/null || true; rm -rf "$work" "$shims"' EXIT
for tool in apt-get apt dpkg-query sudo cmake ninja make; do
  printf '#!/bin/sh\necho "%s $*" >>"%s/called"\nexit 1\n' "$tool" "$shims" >"$shims/$tool"
  chmod +x "$shims/$tool"
done
export PATH="$shims:$PATH"

# What a crashed run leaves: a namespace of ours. The run must remove it.
ip netns add msscale-stale
shapes=1x1
"$MICROSHOP_BUILD_DIR/nodes/edge_node" --help 2>&1 | grep -q -- --order-nodes && shapes=1x1,2x2
table=$("$root/scripts/scale.sh" --shapes "$shapes" --duration 1 --warmup 0 --preload 40 \
  --connections 8 --json "$work/out.json" --no-build 2>"$work/err") ||
  fail "scale.sh failed: $(tail -n 5 "$work/err")"
echo "$table"
[[ ! -e $shims/called ]] || fail "scale.sh installed or built: $(cat "$shims/called")"
grep -q "^1x1 *GET /api/users/<id>" <<<"$table" || fail "no GET row in the table"
grep -q "^1x1 *POST /api/orders" <<<"$table" || fail "no POST row in the table"

json=$(<"$work/out.json")
for key in date command cores cgroup cpu_share cfs_quota_us cfs_period_us tls results; do
  [[ $json == *"\"$key\":"* ]] || fail "no $key in $json"
done
# One line per result object.
results=$(sed 's/{"shape":/\n{"shape":/g' <<<"$json" | grep '^{"shape":')
for s in ${shapes//,/ }; do
  for ep in get_user post_order; do
    r=$(grep "^{\"shape\":\"$s\",.*\"endpoint\":\"$ep\"" <<<"$results") || fail "no $s $ep result"
    for key in rps p50_ms p99_ms efficiency request_spread cpu_spread edge_cpu \
               edge_busiest_thread wrk_cpu wrk_busiest_thread machine_busy; do
      v=$(sed -E "s/.*\"$key\":([0-9.]+).*/\1/" <<<"$r")
      [[ $v =~ ^[0-9.]+$ ]] || fail "$s $ep: no number for $key in $r"
    done
    awk -v r="$(sed -E 's/.*"rps":([0-9.]+).*/\1/' <<<"$r")" 'BEGIN { exit !(r > 0) }' || fail "$s $ep: rps 0"
    [[ $r == *'"non2xx":0,'* && $r == *'"socket_errors":0,'* ]] || fail "$s $ep: errors in $r"
    n=${s%x*}
    [[ $ep == post_order ]] && n=${s#*x}
    for ((i = 1; i <= n; i++)); do
      node=users-$i
      [[ $ep == post_order ]] && node=orders-$i
      for key in requests_per_node cpu_per_node throttled_per_node; do
        grep -qE "\"$key\":\{[^}]*\"$node\":[0-9.]+" <<<"$r" || fail "$s $ep: no $node in $key: $r"
      done
    done
  done
done
[[ $results == *'"shape":"1x1"'*'"efficiency":1.000'* ]] || fail "1x1 efficiency is not 1"

ip netns list | grep -q '^msscale-' && fail "namespaces left: $(ip netns list)"
for d in /sys/fs/cgroup/msscale /sys/fs/cgroup/cpu/msscale /sys/fs/cgroup/cpu,cpuacct/msscale; do
  [[ ! -e $d ]] || fail "cgroup $d left"
done
echo "scale_test: 1 passed, 0 failed"
