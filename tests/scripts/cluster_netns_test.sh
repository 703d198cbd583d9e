#!/usr/bin/env bash
# scripts/cluster.sh with MICROSHOP_NETNS=1 (run by cluster_test.sh): the
# refusal without root; then, as root, 2 user nodes and 1 order node with
# mutual TLS, each node in its own namespace at its own address (up, status,
# the API at the printed URL, stop/start of one node), a second cluster on
# the same subnet refused, `down` after a crash of the script, and `down`
# again. Without root the rest is skipped, saying so. Hermetic: temp home,
# a subnet no link of the machine uses; never builds.
# Usage: cluster_netns_test.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export MICROSHOP_BUILD_DIR=$1 MICROSHOP_NO_BUILD=1
MICROSHOP_HOME=$(mktemp -d "${TMPDIR:-/tmp}/microshop netns.XXXXXX")
export MICROSHOP_HOME
export MICROSHOP_USERS_FLAGS="--hash-ops=1 --hash-mem-kib=8"
unset MICROSHOP_INSECURE MICROSHOP_HOST MICROSHOP_SHARD_MAP
fail() { echo "FAIL (netns): $*" >&2; exit 1; }
cluster() { "$root/scripts/cluster.sh" "$@"; }

# Without root: says so, exit 1, makes nothing.
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
  rc=0
  out=$(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups env MICROSHOP_NETNS=1 \
    MICROSHOP_HOME=/nonexistent/netns bash "$root/scripts/cluster.sh" up 2>&1) || rc=$?
  [[ $rc == 1 && $out == *"MICROSHOP_NETNS=1 needs root"* ]] || fail "as nobody: exit $rc, '$out'"
fi
if [[ $EUID != 0 ]]; then
  rmdir "$MICROSHOP_HOME"
  echo "cluster_netns_test: netns parts skipped: they need root (network namespaces)"
  exit 0
fi

# shellcheck source=scripts/netns_lib.sh
source "$root/scripts/netns_lib.sh"
state=$MICROSHOP_HOME/run/netns.state
other=$(mktemp -d)
trap 'MICROSHOP_NETNS=1 cluster down >/dev/null 2>&1 || true
      MICROSHOP_HOME=$other cluster down >/dev/null 2>&1 || true
      rm -rf "$MICROSHOP_HOME" "$other"' EXIT
for _ in $(seq 1 50); do
  net=10.216.$((RANDOM % 256))
  netns_subnet_used "$net" || break
done
export MICROSHOP_NETNS=1 MICROSHOP_NETNS_SUBNET=$net.0/24 MICROSHOP_USER_NODES=2 \
  MICROSHOP_ORDER_NODES=1 MICROSHOP_HTTP_PORT=8080 MICROSHOP_USERS_PORT=7101
url=http://$net.2:8080

out=$(cluster up 2>&1) || fail "up: $out"
grep -q "microshop is up: $url" <<<"$out" || fail "up: $out"
prefix=$(awk '$1 == "netns" && $2 ~ /-net$/ { sub(/-net$/, "", $2); print $2 }' "$state")
[[ $prefix =~ ^ms[0-9a-f]{8}$ ]] || fail "state file: $(cat "$state")"
st=$(cluster status)
declare -A addr=([edge]=$net.2 [users-1]=$net.3 [users-2]=$net.4 [orders-1]=$net.5)
declare -A port=([edge]=8080 [users-1]=7101 [users-2]=7102 [orders-1]=7103)
declare -A stem=([edge]=edge [users-1]=users-1 [users-2]=users-2 [orders-1]=orders)
for n in edge users-1 users-2 orders-1; do
  grep -Eq "^$n +[0-9]+ +${addr[$n]}:${port[$n]} +running$" <<<"$st" || fail "status, $n: $st"
  pid=$(<"$MICROSHOP_HOME/run/${stem[$n]}.pid")
  [[ $(ip netns identify "$pid") == "$prefix-$n" ]] || fail "$n runs in '$(ip netns identify "$pid")'"
  c=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  [[ $c == *"--host=${addr[$n]} "* && $c == *--openssl.certificate=* ]] || fail "$n: $c"
  grep -qx "netns $prefix-$n" "$state" || fail "state lacks $n: $(cat "$state")"
  [[ -z $(ip -n "$prefix-$n" route show default) ]] || fail "$n has a default route"
done
c=$(tr '\0' ' ' <"/proc/$(<"$MICROSHOP_HOME/run/edge.pid")/cmdline")
[[ $c == *"--user-nodes=users-1=$net.3:7101,users-2=$net.4:7102 --order-nodes=orders-1=$net.5:7103"* ]] ||
  fail "edge's peers: $c"
[[ $(ip netns list | grep -c "^$prefix-") == 5 ]] || fail "namespaces: $(ip netns list)"
ip -4 -o addr show dev "$prefix-h" | grep -q " $net.1/24 " || fail "no $net.1 on $prefix-h"
# Nothing listens on the machine's loopback: the nodes are only on the bridge.
! (exec 3<>/dev/tcp/127.0.0.1/7101) 2>/dev/null || fail "a node listens on loopback"

code=$(curl -s -o "$MICROSHOP_HOME/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d '{"username":"nina","email":"nina@example.com","password":"password-1"}' "$url/api/users")
[[ $code == 201 ]] || fail "create: $code $(cat "$MICROSHOP_HOME/body")"
uid=$(sed -E 's/.*"id":"([^"]+)".*/\1/' "$MICROSHOP_HOME/body")
[[ $(curl -s -o /dev/null -w '%{http_code}' "$url/api/users/$uid") == 200 ]] || fail "get user"
order='{"userId":"'$uid'","products":[{"productId":"p","quantity":1,"price":1}]}'
[[ $(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d "$order" "$url/api/orders") == 201 ]] || fail "create order"

# A second cluster (another home) on the same subnet is refused, makes nothing.
spaces=$(ip netns list | wc -l)
out=$(MICROSHOP_HOME=$other cluster up 2>&1) && fail "a second cluster on $net.0/24 started: $out"
grep -q "subnet $net.0/24 is in use on this machine" <<<"$out" || fail "second cluster: $out"
[[ ! -e $other/run/netns.state && $(ip netns list | wc -l) == "$spaces" ]] ||
  fail "second cluster made namespaces: $(ip netns list)"

cluster stop users-2 >/dev/null
grep -Eq "^users-2 +- +$net.4:7102 +stopped$" <<<"$(cluster status)" || fail "users-2 not stopped"
cluster start users-2 >/dev/null
[[ $(ip netns identify "$(<"$MICROSHOP_HOME/run/users-2.pid")") == "$prefix-users-2" ]] ||
  fail "users-2 restarted outside its namespace"
for _ in $(seq 1 100); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/readyz") == 200 ]] && break
  sleep 0.1
done
[[ $(curl -s -o /dev/null -w '%{http_code}' "$url/api/users/$uid") == 200 ]] || fail "get user after restart"

# A crash of the script: the pid files are gone, the nodes still run.
node_pids=$(cat "$MICROSHOP_HOME"/run/*.pid)
rm -f "$MICROSHOP_HOME"/run/*.pid
out=$(env -u MICROSHOP_NETNS "$root/scripts/cluster.sh" down) || fail "down after a crash: $out"
for p in $node_pids; do ! pid_alive "$p" || fail "node $p still runs after down"; done
! ip netns list | grep -q "^$prefix-" || fail "namespaces left: $(ip netns list)"
! ip link show dev "$prefix-h" >/dev/null 2>&1 || fail "link $prefix-h left"
[[ ! -e $state ]] || fail "state file left"
out=$(cluster down) || fail "second down: $out"
! ip netns list | grep -q "^$prefix-" || fail "namespaces after the second down"
echo "cluster_netns_test: 1 passed, 0 failed"
