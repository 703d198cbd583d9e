#!/usr/bin/env bash
# Drives scripts/cluster.sh the way a user does: up (twice), a curl of each
# endpoint, status, stop/start of one node, down; all links with mutual TLS
# (the default: certificates made at up); then the same over 2 user and 2
# order nodes with MICROSHOP_INSECURE=1, the refusal of port ranges that
# overlap, and (as root; skipped, saying so, without) MICROSHOP_NETNS=1:
# up/status/stop/start/down, down after a crash, down again, and the refusal
# without root. Hermetic: temp home, free ports, a free subnet; uses the
# binaries in BUILD_DIR as they are, never builds.
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

# cmdline PIDFILE: the command line of the process in PIDFILE.
cmdline() { tr '\0' ' ' <"/proc/$(<"$1")/cmdline"; }
certs=$MICROSHOP_HOME/certs

out=$(cluster up 2>&1) || fail "up: $out"
grep -q "microshop is up: $url" <<<"$out" || fail "up: $out"
grep -q "WARNING" <<<"$out" && fail "up by default warns: $out"
# TLS by default: the certificates of exactly this shape's nodes, each node
# given its own through current/.
[[ $(MICROSHOP_HOME=$MICROSHOP_HOME "$root/scripts/certs.sh" list | sort | tr '\n' ' ') == "edge orders-1 users-1 " ]] ||
  fail "certificates made: $(ls "$certs/current")"
for n in users-1:users orders-1:orders edge:edge; do
  c=$(cmdline "$MICROSHOP_HOME/run/${n#*:}.pid")
  [[ $c == *"--openssl.certificate=$certs/current/${n%%:*}.pem --openssl.key=$certs/current/${n%%:*}.key --openssl.cafile=$certs/current/ca.pem"* ]] ||
    fail "${n%%:*} runs without its certificate: $c"
  [[ $c != *--insecure* ]] || fail "${n%%:*} runs with --insecure: $c"
  [[ $(stat -c %a "$certs/current/${n%%:*}.key") == 600 ]] || fail "${n%%:*}.key is not 0600"
  grep -q "BASP links with mutual TLS (CA $certs/current/ca.pem)" "$MICROSHOP_HOME/log/${n#*:}.log" ||
    fail "${n%%:*} does not say TLS: $(cat "$MICROSHOP_HOME/log/${n#*:}.log")"
done
before=$(openssl x509 -in "$certs/current/users-1.pem" -noout -fingerprint)
out=$(cluster up)
grep -q "already running" <<<"$out" || fail "second up started duplicates: $out"
[[ $(pgrep -fc "edge_node --host=127.0.0.1 --port=$MICROSHOP_HTTP_PORT") == 1 ]] || fail "duplicate edge"
[[ $(openssl x509 -in "$certs/current/users-1.pem" -noout -fingerprint) == "$before" ]] ||
  fail "second up remade the certificates"

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
# A rotation under a running cluster: the restarted node and the links made
# to it use the new generation, through current/.
"$root/scripts/certs.sh" rotate >/dev/null
[[ $(readlink "$certs/current") == gen-2 ]] || fail "rotate"
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
# A 1x1 cluster keeps the files of the cluster from before sharding.
[[ -s "$MICROSHOP_HOME/log/users.log" && -s "$MICROSHOP_HOME/log/edge.log" &&
  ! -e "$MICROSHOP_HOME/data/users-1" ]] || fail "1x1 files: $(ls -R "$MICROSHOP_HOME")"
[[ $(<"$MICROSHOP_HOME/shard-map.txt") == "$(cluster map)" ]] || fail "1x1 map file"
grep -q "^users 127 users-1$" "$MICROSHOP_HOME/shard-map.txt" || fail "1x1 map text"

# Port ranges that overlap are refused before anything starts.
base=$(free_port_range 4)
refused() { # refused MESSAGE ENV...: `up` fails naming MESSAGE, starts nothing
  local out
  if out=$(env "${@:2}" "$root/scripts/cluster.sh" up 2>&1); then
    fail "up with ${*:2} started: $out"
  fi
  grep -q "$1" <<<"$out" || fail "up with ${*:2}: $out"
  [[ -z $(ls "$MICROSHOP_HOME/run" 2>/dev/null) ]] || fail "up with ${*:2} left pid files"
  ! pgrep -f "port=$base" >/dev/null || fail "up with ${*:2} started a node"
}
refused "port ranges overlap: user nodes $base-$((base + 2)), order nodes $((base + 2))-$((base + 3))" \
  MICROSHOP_USER_NODES=3 MICROSHOP_ORDER_NODES=2 MICROSHOP_USERS_PORT=$base \
  MICROSHOP_ORDERS_PORT=$((base + 2))
refused "MICROSHOP_HTTP_PORT $((base + 1)) is in the user node ports $base-$((base + 1))" \
  MICROSHOP_USER_NODES=2 MICROSHOP_USERS_PORT=$base MICROSHOP_HTTP_PORT=$((base + 1))
refused "MICROSHOP_HTTP_PORT $((base + 3)) is in the order node ports $((base + 2))-$((base + 3))" \
  MICROSHOP_USER_NODES=2 MICROSHOP_ORDER_NODES=2 MICROSHOP_USERS_PORT=$base \
  MICROSHOP_ORDERS_PORT=$((base + 2)) MICROSHOP_HTTP_PORT=$((base + 3))
refused "a node count must be a number from 1 to 128" MICROSHOP_USER_NODES=0

# 2 user nodes and 2 order nodes, plaintext by choice: a warning, every
# node given --insecure, no certificate made.
users_base=$(free_port_range 2)
orders_base=$(free_port_range 2 "$users_base $((users_base + 1))")
export MICROSHOP_USER_NODES=2 MICROSHOP_ORDER_NODES=2 \
  MICROSHOP_USERS_PORT=$users_base MICROSHOP_ORDERS_PORT=$orders_base MICROSHOP_INSECURE=1
out=$(cluster up 2>&1) || fail "2x2 up: $out"
grep -q "microshop is up: $url" <<<"$out" || fail "2x2 up: $out"
grep -q "WARNING: MICROSHOP_INSECURE=1: BASP links are plaintext and unauthenticated" <<<"$out" ||
  fail "2x2 insecure up gave no warning: $out"
for n in users-1 users-2 orders-1 orders-2 edge; do
  c=$(cmdline "$MICROSHOP_HOME/run/$n.pid")
  [[ $c == *" --insecure"* && $c != *--openssl* ]] || fail "insecure $n: $c"
  grep -q "WARNING: --insecure" "$MICROSHOP_HOME/log/$n.log" || fail "$n gives no warning: $(cat "$MICROSHOP_HOME/log/$n.log")"
done
[[ ! -e $certs/current/users-2.pem ]] || fail "MICROSHOP_INSECURE=1 made certificates"
st=$(cluster status)
for n in users-1:$users_base users-2:$((users_base + 1)) orders-1:$orders_base \
  orders-2:$((orders_base + 1)) edge:$MICROSHOP_HTTP_PORT; do
  grep -Eq "^${n%%:*} +[0-9]+ +${n##*:} +running$" <<<"$st" || fail "2x2 status, $n: $st"
  [[ -s "$MICROSHOP_HOME/log/${n%%:*}.log" && -s "$MICROSHOP_HOME/run/${n%%:*}.pid" ]] ||
    fail "2x2 files of ${n%%:*}: $(ls -R "$MICROSHOP_HOME")"
done
[[ -d "$MICROSHOP_HOME/data/users-2" && -d "$MICROSHOP_HOME/data/orders-2" ]] ||
  fail "2x2 data dirs: $(ls "$MICROSHOP_HOME/data")"
[[ $(<"$MICROSHOP_HOME/shard-map.txt") == "$(cluster map)" ]] || fail "2x2 map file"
grep -q "^users 1 users-2$" "$MICROSHOP_HOME/shard-map.txt" &&
  grep -q "^orders 126 orders-1$" "$MICROSHOP_HOME/shard-map.txt" || fail "2x2 map text"
ready=$(expect 200 GET /readyz)
for n in users-1 users-2 orders-1 orders-2; do
  grep -q "\"$n\":{\"connected\":true," <<<"$ready" || fail "readyz lacks $n: $ready"
done
for i in 1 2 3 4; do
  user=$(expect 201 POST /api/users "{\"username\":\"bob$i\",\"email\":\"bob$i@example.com\",\"password\":\"password-1\"}")
  uid=$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<<"$user")
  expect 200 GET "/api/users/$uid" >/dev/null
  expect 201 POST /api/orders "{\"userId\":\"$uid\",\"products\":[{\"productId\":\"p\",\"quantity\":1,\"price\":1}]}" >/dev/null
done
sleep 0.01
[[ $(expect 200 GET /api/users | grep -o '"id"' | wc -l) == 4 ]] || fail "2x2 list users"
out=$(cluster stop users 2>&1) && fail "'users' named one of two nodes: $out"
grep -q "use users-1..users-2" <<<"$out" || fail "stop users: $out"
cluster stop users-2 >/dev/null
grep -Eq "^users-2 +- +$((users_base + 1)) +stopped$" <<<"$(cluster status)" || fail "users-2 not stopped"
[[ $(cluster status | grep -c running) == 4 ]] || fail "stop users-2 stopped others"
expect 503 GET /readyz >/dev/null
expect 503 GET /api/users >/dev/null
cluster start users-2 >/dev/null
for _ in $(seq 1 100); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/readyz") == 200 ]] && break
  sleep 0.1
done
expect 200 GET /api/users >/dev/null
# down stops every node that has a pid file, whatever shape the caller names.
env MICROSHOP_USER_NODES=1 MICROSHOP_ORDER_NODES=1 "$root/scripts/cluster.sh" down >/dev/null
[[ $(cluster status | grep -c running) == 0 ]] || fail "2x2 still running after down"
[[ -z $(ls "$MICROSHOP_HOME/run") ]] || fail "pid files left: $(ls "$MICROSHOP_HOME/run")"
unset MICROSHOP_USER_NODES MICROSHOP_ORDER_NODES MICROSHOP_USERS_PORT MICROSHOP_ORDERS_PORT \
  MICROSHOP_INSECURE

# Network namespaces (tests/scripts/cluster_netns_test.sh).
bash "$root/tests/scripts/cluster_netns_test.sh" "$1" || fail "netns mode"

# Without MICROSHOP_HOME the home is <checkout>/var, wherever the caller is:
# run a copy of the scripts from another directory.
copy="$MICROSHOP_HOME/checkout"
mkdir -p "$copy" "$MICROSHOP_HOME/elsewhere"
cp -r "$root/scripts" "$copy/"
(cd "$MICROSHOP_HOME/elsewhere" && env -u MICROSHOP_HOME "$copy/scripts/cluster.sh" status >/dev/null)
[[ -d $copy/var && ! -e $MICROSHOP_HOME/elsewhere/var ]] || fail "default home is not <checkout>/var"
[[ ! -e $shims/called ]] || fail "cluster.sh installed or built: $(cat "$shims/called")"
echo "cluster_test: 1 passed, 0 failed"
