#!/usr/bin/env bash
# GET /metrics on a real 1x1 cluster (scripts/cluster.sh, mutual TLS, free
# ports, a temporary home): after requests on every route, the exposition
# passes `promtool check metrics` with no lint message at all, has every
# family of the issue 14 contract with HELP and TYPE, counts the requests
# sent by route template (never a raw path), keeps its histograms whole
# (+Inf bucket = _count, cumulative buckets from 0.5 ms to 10 s), and shows
# each node's link up and answering. After `kill -9` of the user node its
# link_up goes 0 (and the order node's peer link too); after a restart it is
# 1 again and its reconnect count has grown. The helpers of metrics_lib.sh
# are first shown to refuse broken expositions, so no check passes by
# accident. Usage: metrics_test.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export MICROSHOP_BUILD_DIR=$1 MICROSHOP_NO_BUILD=1
command -v promtool >/dev/null || { echo "metrics_test: skipped (no promtool: apt-get install prometheus)"; exit 77; }
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
# shellcheck source=tests/scripts/metrics_lib.sh
source "$root/tests/scripts/metrics_lib.sh"
MICROSHOP_HOME=$(mktemp -d)
export MICROSHOP_HOME MICROSHOP_USERS_FLAGS="--hash-ops=1 --hash-mem-kib=8"
trap '"$root/scripts/cluster.sh" down >/dev/null 2>&1 || true; rm -rf "$MICROSHOP_HOME"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
passed=0
m=$MICROSHOP_HOME/metrics.txt

# 0. The checks refuse what they must.
cat >"$m" <<'EOF'
# HELP h a histogram
# TYPE h histogram
h_bucket{route="/api/users/{id}",le="1"} 3
h_bucket{route="/api/users/{id}",le="10"} 2
h_bucket{route="/api/users/{id}",le="+Inf"} 4
h_sum{route="/api/users/{id}"} 1
h_count{route="/api/users/{id}"} 5
EOF
out=$(metric_check_histograms "$m" h 1 10) && fail "a broken histogram passed"
if ! grep -q 'le=10 2 < 3' <<<"$out" || ! grep -q '+Inf 4 != _count 5' <<<"$out"; then
  fail "a broken histogram: $out"
fi
[[ $(metric_sum "$m" h_count 'route=/api/users/{id}') == 5 && -z $(metric_sum "$m" h_count route=/api/users) ]] ||
  fail "metric_sum picks the wrong series"
metric_has_family "$m" h counter && fail "metric_has_family ignores the type"
passed=$((passed + 1))

use_free_ports
url=http://127.0.0.1:$MICROSHOP_HTTP_PORT
"$root/scripts/cluster.sh" up >/dev/null 2>&1 || fail "cluster up: $(tail -n 5 "$MICROSHOP_HOME"/log/*.log)"
# call STATUS METHOD PATH [BODY]: the body; fails on another status.
call() {
  local got
  got=$(curl -s -o "$MICROSHOP_HOME/body" -w '%{http_code}' -X "$2" \
    -H 'Content-Type: application/json' ${4:+-d "$4"} "$url$3")
  [[ $got == "$1" ]] || fail "$2 $3: expected $1, got $got: $(cat "$MICROSHOP_HOME/body")"
  cat "$MICROSHOP_HOME/body"
}
scrape() { # scrape FILE: GET /metrics into FILE, checking status and type
  local type
  type=$(curl -s -o "$1" -w '%{http_code} %{content_type}' "$url/metrics")
  [[ $type == "200 text/plain; version=0.0.4; charset=utf-8" ]] || fail "GET /metrics: $type"
}

# 1. Every route, a known number of times.
uid=$(call 201 POST /api/users '{"username":"metrics","email":"m@example.com","password":"password-1"}' |
  sed -E 's/.*"id":"([^"]+)".*/\1/')
for _ in 1 2 3 4 5; do call 200 GET "/api/users/$uid" >/dev/null; done
call 404 GET /api/users/00000000-0000-7000-8000-000000000000 >/dev/null
call 200 GET /api/users >/dev/null
for _ in 1 2 3; do
  oid=$(call 201 POST /api/orders "{\"userId\":\"$uid\",\"products\":[{\"productId\":\"p\",\"quantity\":1,\"price\":2}]}" |
    sed -E 's/^\{"id":"([^"]+)".*/\1/')
done
call 200 GET "/api/orders/$oid" >/dev/null
call 200 GET "/api/orders?userId=$uid" >/dev/null
call 200 GET /healthz >/dev/null
call 200 GET /readyz >/dev/null
call 404 GET /no/such/route >/dev/null
call 405 DELETE /api/users >/dev/null
call 200 GET /openapi.json >/dev/null
curl -s -o /dev/null "$url/metrics"
scrape "$m"

# 2. promtool, with no lint message either.
out=$(promtool check metrics <"$m" 2>&1) || fail "promtool check metrics: $out"
[[ -z $out ]] || fail "promtool check metrics says: $out"
passed=$((passed + 1))

# 3. The contract's families, and sane values.
for f in http_requests_total:counter http_request_duration_seconds:histogram \
  http_connections_open:gauge http_requests_in_flight:gauge microshop_batch_size:histogram \
  microshop_node_link_up:gauge microshop_node_reconnects_total:counter \
  microshop_node_request_timeouts_total:counter microshop_node_report_ok:gauge \
  microshop_store_size_bytes:gauge microshop_store_keys:gauge \
  microshop_store_write_stalls_total:counter microshop_hash_queue_length:gauge \
  microshop_peer_link_up:gauge microshop_peer_request_timeouts_total:counter; do
  metric_has_family "$m" "${f%:*}" "${f#*:}" || fail "no HELP/TYPE ${f#*:} for ${f%:*}"
done
# expect_value DESCRIPTION WANT NAME LABELS...: the sum is WANT exactly.
expect_value() {
  local got
  got=$(metric_sum "$m" "${@:3}")
  [[ $got == "$2" ]] || fail "$1: $3{${*:4}} is '${got}', expected $2"
}
expect_value "GETs of one user" 5 http_requests_total method=GET 'route=/api/users/{id}' status=200
expect_value "GET of a missing user" 1 http_requests_total method=GET 'route=/api/users/{id}' status=404
expect_value "user created" 1 http_requests_total method=POST route=/api/users status=201
expect_value "orders created" 3 http_requests_total method=POST route=/api/orders status=201
expect_value "order read" 1 http_requests_total method=GET 'route=/api/orders/{id}' status=200
expect_value "orders listed" 1 http_requests_total method=GET route=/api/orders status=200
expect_value "users listed" 1 http_requests_total method=GET route=/api/users status=200
expect_value "healthz" 1 http_requests_total method=GET route=/healthz status=200
expect_value "openapi" 1 http_requests_total method=GET route=/openapi.json status=200
expect_value "unmatched" 1 http_requests_total route=unmatched status=404
expect_value "method not allowed" 1 http_requests_total method=DELETE route=/api/users status=405
[[ $(metric_sum "$m" http_requests_total route=/readyz status=200) -ge 1 ]] || fail "readyz not counted"
# The /metrics before this scrape is counted (this one may or may not be).
[[ $(metric_sum "$m" http_requests_total route=/metrics status=200) -ge 1 ]] || fail "/metrics not counted"
# Route labels are templates: no id, no query, no unknown path.
if grep -E '^http_request[^ ]*route="[^"]*([0-9a-f]{8}-|\?|/no/)' "$m"; then fail "a raw path in a route label"; fi
out=$(metric_check_histograms "$m" http_request_duration_seconds 0.0005 10) ||
  fail "http_request_duration_seconds: $out"
expect_value "timed GETs of one user" 6 http_request_duration_seconds_count method=GET 'route=/api/users/{id}'
out=$(metric_check_histograms "$m" microshop_batch_size "" "") || fail "microshop_batch_size: $out"
[[ $(metric_sum "$m" http_connections_open) -ge 1 ]] || fail "http_connections_open < 1 while scraping"
[[ -n $(metric_sum "$m" http_requests_in_flight) ]] || fail "no http_requests_in_flight sample"
for n in users-1 orders-1; do
  expect_value "$n link" 1 microshop_node_link_up node=$n
  expect_value "$n report" 1 microshop_node_report_ok node=$n
  [[ $(metric_sum "$m" microshop_store_keys node=$n) -ge 1 ]] || fail "$n store keys < 1"
  [[ $(metric_sum "$m" microshop_store_size_bytes node=$n) -ge 1 ]] || fail "$n store size < 1"
  [[ -n $(metric_sum "$m" microshop_store_write_stalls_total node=$n) ]] || fail "$n: no write stalls sample"
  expect_value "$n timeouts" 0 microshop_node_request_timeouts_total node=$n
done
[[ -n $(metric_sum "$m" microshop_hash_queue_length node=users-1) ]] || fail "no hash queue length of users-1"
expect_value "orders-1 -> users-1" 1 microshop_peer_link_up node=orders-1 peer=users-1
passed=$((passed + 1))

# 4. kill -9 of the user node, then a restart.
reconnects=$(metric_sum "$m" microshop_node_reconnects_total node=users-1)
kill -9 "$(<"$MICROSHOP_HOME/run/users.pid")"
# wait_for DESCRIPTION NAME LABELS... = WANT: polls /metrics for up to 10 s.
wait_for() {
  local want=${*: -1} got=
  for _ in $(seq 1 50); do
    scrape "$m"
    got=$(metric_sum "$m" "${@:2:$#-3}")
    [[ $got == "$want" ]] && return 0
    sleep 0.2
  done
  fail "$1: ${*:2:$#-3} is '$got', not $want after 10 s"
}
wait_for "edge -> users-1 down" microshop_node_link_up node=users-1 = 0
wait_for "orders-1 -> users-1 down" microshop_peer_link_up node=orders-1 peer=users-1 = 0
expect_value "users-1 answers no report while down" 0 microshop_node_report_ok node=users-1
expect_value "orders-1 still linked" 1 microshop_node_link_up node=orders-1
"$root/scripts/cluster.sh" start users >/dev/null || fail "restart users"
wait_for "edge -> users-1 back" microshop_node_link_up node=users-1 = 1
wait_for "orders-1 -> users-1 back" microshop_peer_link_up node=orders-1 peer=users-1 = 1
wait_for "users-1 reports again" microshop_node_report_ok node=users-1 = 1
after=$(metric_sum "$m" microshop_node_reconnects_total node=users-1)
((after > reconnects)) || fail "reconnects of users-1: $reconnects before, $after after the restart"
out=$(promtool check metrics <"$m" 2>&1) || fail "promtool after the restart: $out"
passed=$((passed + 1))
echo "metrics_test: $passed passed, 0 failed"
