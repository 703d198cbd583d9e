#!/usr/bin/env bash
# A real Prometheus server (Debian's `prometheus`, a temporary configuration
# and storage, a free port, scrape_interval 1s) scrapes the edge of a 1x1
# cluster (scripts/cluster.sh, mutual TLS, free ports, a temporary home)
# while a curl loop sends GET /api/users/<id> at about 200 requests a second
# for 13 s, counting the answers it gets. Through Prometheus' HTTP API:
# up{job="microshop-edge"} is 1, and
# sum(rate(http_requests_total{route="/api/users/{id}"}[10s])) at a moment
# inside the load is within 15 % of the rate the loop measured. Skips (77)
# only when prometheus is not installed. Usage: prometheus_test.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export MICROSHOP_BUILD_DIR=$1 MICROSHOP_NO_BUILD=1
command -v prometheus >/dev/null || { echo "prometheus_test: skipped (no prometheus: apt-get install prometheus)"; exit 77; }
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
MICROSHOP_HOME=$(mktemp -d)
export MICROSHOP_HOME MICROSHOP_USERS_FLAGS="--hash-ops=1 --hash-mem-kib=8"
prom_pid=
cleanup() {
  [[ -n $prom_pid ]] && stop_pids "$prom_pid"
  "$root/scripts/cluster.sh" down >/dev/null 2>&1 || true
  rm -rf "$MICROSHOP_HOME"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
use_free_ports
url=http://127.0.0.1:$MICROSHOP_HTTP_PORT
"$root/scripts/cluster.sh" up >/dev/null 2>&1 || fail "cluster up: $(tail -n 5 "$MICROSHOP_HOME"/log/*.log)"
uid=$(curl -sf -X POST "$url/api/users" -H 'Content-Type: application/json' \
  -d '{"username":"prom","email":"prom@example.com","password":"password-1"}' |
  sed -E 's/.*"id":"([^"]+)".*/\1/') || fail "POST /api/users"

prom=$MICROSHOP_HOME/prometheus
mkdir -p "$prom/data"
pport=$(free_port)
while [[ " $MICROSHOP_HTTP_PORT $MICROSHOP_USERS_PORT $MICROSHOP_ORDERS_PORT " == *" $pport "* ]]; do
  pport=$(free_port)
done
cat >"$prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: microshop-edge
    static_configs:
      - targets: ['127.0.0.1:$MICROSHOP_HTTP_PORT']
EOF
promtool check config "$prom/prometheus.yml" >/dev/null || fail "promtool check config"
prometheus --config.file="$prom/prometheus.yml" --storage.tsdb.path="$prom/data" \
  --web.listen-address="127.0.0.1:$pport" >"$prom/log" 2>&1 &
prom_pid=$!
api=http://127.0.0.1:$pport/api/v1
# query PROMQL [TIME]: the first result's value, or nothing.
query() {
  curl -s --get "$api/query" --data-urlencode "query=$1" ${2:+--data-urlencode "time=$2"} |
    sed -nE 's/.*"status":"success".*"value":\[[0-9.]+,"([^"]+)"\].*/\1/p'
}
for _ in $(seq 1 100); do
  [[ $(query 'up{job="microshop-edge"}') == 1 ]] && break
  pid_alive "$prom_pid" || fail "prometheus exited: $(tail -n 5 "$prom/log")"
  sleep 0.2
done
[[ $(query 'up{job="microshop-edge"}') == 1 ]] ||
  fail "up{job=\"microshop-edge\"} is not 1 after 20 s: $(curl -s "$api/targets")"

# The load: 20 requests on one connection every 0.1 s, for 13 s.
urls=()
for _ in $(seq 1 20); do urls+=(-o /dev/null "$url/api/users/$uid"); done
start=$(date +%s.%N)
ok=0
next=$start
while :; do
  now=$(date +%s.%N)
  awk -v n="$now" -v s="$start" 'BEGIN { exit !(n - s >= 13) }' && break
  got=$(curl -s -w '%{http_code}\n' "${urls[@]}" | grep -c '^200$' || true)
  ok=$((ok + got))
  next=$(awk -v x="$next" 'BEGIN { printf "%.3f", x + 0.1 }')
  sleep "$(awk -v x="$next" -v n="$(date +%s.%N)" 'BEGIN { d = x - n; printf "%.3f", (d > 0 ? d : 0) }')"
done
end=$(date +%s.%N)
measured=$(awk -v c="$ok" -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", c / (e - s) }')
# Let Prometheus scrape past the end, then ask for a moment 1.5 s before it:
# the 10 s window lies inside the load.
sleep 2.5
at=$(awk -v e="$end" 'BEGIN { printf "%.3f", e - 1.5 }')
rate=$(query 'sum(rate(http_requests_total{route="/api/users/{id}"}[10s]))' "$at")
[[ -n $rate ]] || fail "no rate from Prometheus: $(curl -s --get "$api/query" \
  --data-urlencode 'query=http_requests_total{route="/api/users/{id}"}')"
echo "prometheus_test: the loop measured $measured req/s ($ok answers), Prometheus says $rate"
awk -v r="$rate" -v m="$measured" 'BEGIN { exit !(m >= 50 && r >= 0.85 * m && r <= 1.15 * m) }' ||
  fail "rate $rate is not within 15 % of the measured $measured req/s (or the loop ran too slowly)"
[[ $(query 'up{job="microshop-edge"}' "$at") == 1 ]] || fail "up was not 1 during the load"
echo "prometheus_test: 1 passed, 0 failed"
