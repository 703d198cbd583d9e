#!/usr/bin/env bash
# Drives scripts/cluster.sh the way a user does: up (twice), a curl of each
# endpoint, status, stop/start of one node, down. Hermetic: temp home, free
# ports; uses the binaries in BUILD_DIR as they are, never builds.
# Usage: cluster_test.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export MICROSHOP_BUILD_DIR=$1 MICROSHOP_NO_BUILD=1
# A space in the home: every node flag must reach the node as one argument.
MICROSHOP_HOME=$(mktemp -d "${TMPDIR:-/tmp}/microshop cluster.XXXXXX")
export MICROSHOP_HOME
export MICROSHOP_USERS_FLAGS="--hash-ops=1 --hash-mem-kib=8"
# Every tool that installs or builds fails and leaves a mark when called.
shims=$(mktemp -d)
trap '"$root/scripts/cluster.sh" down >/dev/null 2>&1 || true; rm -rf "$MICROSHOP_HOME" "$shims"' EXIT
for tool in apt-get apt dpkg-query sudo cmake ninja make; do
  printf '#!/bin/sh\necho "%s $*" >>"%s/called"\nexit 1\n' "$tool" "$shims" >"$shims/$tool"
  chmod +x "$shims/$tool"
done
export PATH="$shims:$PATH"

# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
use_free_ports
url=http://127.0.0.1:$MICROSHOP_HTTP_PORT
cluster() { "$root/scripts/cluster.sh" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { # expect STATUS METHOD PATH [BODY]
  local got
  got=$(curl -s -o /tmp/cluster_test_body.$$ -w '%{http_code}' -X "$2" \
        -H 'Content-Type: application/json' ${4:+-d "$4"} "$url$3")
  [[ $got == "$1" ]] || fail "$2 $3: expected $1, got $got: $(cat /tmp/cluster_test_body.$$)"
  cat /tmp/cluster_test_body.$$
}

out=$(cluster up) || fail "up: $out"
grep -q "microshop is up: $url" <<<"$out" || fail "up: $out"
out=$(cluster up)
grep -q "already running" <<<"$out" || fail "second up started duplicates: $out"
[[ $(pgrep -fc "edge_node --host=127.0.0.1 --port=$MICROSHOP_HTTP_PORT") == 1 ]] || fail "duplicate edge"

expect 200 GET /healthz >/dev/null
expect 200 GET /readyz >/dev/null
user=$(expect 201 POST /api/users '{"username":"alice","email":"alice@example.com","password":"password-1"}')
uid=$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<<"$user")
expect 200 GET "/api/users/$uid" >/dev/null
grep -q "$uid" <<<"$(expect 200 GET /api/users)" || fail "list users"
order=$(expect 201 POST /api/orders "{\"userId\":\"$uid\",\"products\":[{\"productId\":\"p\",\"quantity\":3,\"price\":0.1}]}")
grep -q '"total":0.3,' <<<"$order" || fail "total: $order"
oid=$(sed -E 's/^\{"id":"([^"]+)".*/\1/' <<<"$order")
expect 200 GET "/api/orders/$oid" >/dev/null
grep -q "$oid" <<<"$(expect 200 GET "/api/orders?userId=$uid")" || fail "orders by user"
expect 200 GET /api/orders >/dev/null

[[ $(cluster status | grep -c running) == 3 ]] || fail "status"
cluster stop users >/dev/null
expect 503 GET /readyz >/dev/null
expect 503 POST /api/orders "{\"userId\":\"$uid\",\"products\":[{\"productId\":\"p\",\"quantity\":1,\"price\":1}]}" >/dev/null
cluster start users >/dev/null
for _ in $(seq 1 100); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/readyz") == 200 ]] && break
  sleep 0.1
done
expect 200 GET "/api/users/$uid" >/dev/null
cluster down >/dev/null
[[ $(cluster status | grep -c running) == 0 ]] || fail "still running after down"
[[ -d "$MICROSHOP_HOME/data/users" && -d "$MICROSHOP_HOME/data/orders" ]] ||
  fail "data not under MICROSHOP_HOME: $(ls -R "$MICROSHOP_HOME")"

# Without MICROSHOP_HOME the home is <checkout>/var, wherever the caller is:
# run a copy of the scripts from another directory.
copy="$MICROSHOP_HOME/checkout"
mkdir -p "$copy" "$MICROSHOP_HOME/elsewhere"
cp -r "$root/scripts" "$copy/"
(cd "$MICROSHOP_HOME/elsewhere" && env -u MICROSHOP_HOME "$copy/scripts/cluster.sh" status >/dev/null)
[[ -d $copy/var && ! -e $MICROSHOP_HOME/elsewhere/var ]] || fail "default home is not <checkout>/var"
[[ ! -e $shims/called ]] || fail "cluster.sh installed or built: $(cat "$shims/called")"
echo "cluster_test: 1 passed, 0 failed"
