#!/usr/bin/env bash
# Benchmarks every endpoint against the hardware ceiling (GET /healthz, the
# edge answering alone) on a fresh cluster in a temporary MICROSHOP_HOME on
# free ports, and prints a table (also written as JSON).
#
#   scripts/bench.sh [--duration S] [--warmup S] [--connections C] [--preload N]
#                    [--json FILE] [--no-build]
#
#   --duration S     seconds per endpoint (default 10; the default run takes ~140 s)
#   --warmup S       seconds of the same load before each measured run, not
#                    counted (default 2: caches filled, steady state measured)
#   --connections C  wrk connections (default 64, one wrk thread)
#   --preload N      users to load first, with 10 orders each (default 1000,
#                    i.e. ~11k records; 100000 gives ~1.1M records)
#   --json FILE      where to write the results (default bench-results.json)
#   --no-peer        skip the Express peer (docs/peers/express-seed,
#                    installed by scripts/bootstrap.sh): by default its
#                    GET /api/users/<id> and POST /api/orders run on the same
#                    load after microshop's, and each ratio is printed
#   --cpu-rounds N   rounds of the side-by-side part (default 2; 0 skips it):
#                    CPU per request of every node process (/proc/<pid>/stat)
#                    for GET /api/users/<id> and POST /api/orders, on fresh
#                    clusters of --base (plaintext), this tree in plaintext
#                    (MICROSHOP_INSECURE=1) and this tree with TLS, and GET
#                    /api/users/<id> at --large users; the modes' order
#                    alternates per round, medians printed; also wrk's own
#                    CPU per request, and the nodes' in units of it ("per
#                    wrk": this VM's drift moves it far less)
#   --base COMMIT    the commit compared with (default 37cecae), built once
#                    into MICROSHOP_BUILD_DIR/base-COMMIT; --no-base skips it
#   --large N        users (10 orders each) of the large data set (default
#                    100000, ~1.1M records; 0 skips it)
#   --no-build       use the binaries in MICROSHOP_BUILD_DIR (default build/)
#                    as they are, never install or build (also
#                    MICROSHOP_NO_BUILD=1); fails when one is missing
#
#   --tls-ratio      instead of the table: GET /api/users/<id> and POST
#                    /api/orders in the default cluster (mutual TLS on every
#                    link) against MICROSHOP_INSECURE=1 (plaintext), on the
#                    same data, alternating (this VM drifts by tens of
#                    percent within a minute), as ratios per round and their
#                    median
#   --rounds N       rounds of --tls-ratio, --key-ratio or --metrics-cost
#                    (default 3)
#   --key-ratio      instead of the table: POST /api/orders with a fresh
#                    Idempotency-Key on every request against the same
#                    requests without one (an ignored header of the same
#                    size instead), on one cluster, alternating, as ratios
#                    per round and their median
#   --metrics-cost   instead of the table: GET /api/users/<id> with the
#                    edge's metrics on (and GET /metrics scraped every
#                    second) against --no-metrics, the cluster restarted
#                    in each mode on the same data, alternating, as ratios
#                    per round and their median
#
#   scripts/bench.sh --scale [FLAGS]: the scaling run, scripts/scale.sh FLAGS
#   (shapes 1x1, 2x2, 4x4 with capped nodes; needs root; see its --help)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
duration=10 warmup=2 connections=64 preload=1000 json_out=bench-results.json
tls_ratio=0 tls_rounds=3 key_ratio=0 metrics_cost=0 peer=1
cpu_rounds=2 base=37cecae large=100000
while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --preload) preload=$2; shift 2 ;;
    --json) json_out=$2; shift 2 ;;
    --no-build) export MICROSHOP_NO_BUILD=1; shift ;;
    --tls-ratio) tls_ratio=1; shift ;;
    --key-ratio) key_ratio=1; shift ;;
    --metrics-cost) metrics_cost=1; shift ;;
    --no-peer) peer=0; shift ;;
    --rounds) tls_rounds=$2; shift 2 ;;
    --scale) shift; exec "$root/scripts/scale.sh" "$@" ;;
    --cpu-rounds) cpu_rounds=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --no-base) base=; shift ;;
    --large) large=$2; shift 2 ;;
    -h|--help) sed -n '2,57p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown flag $1" >&2; exit 2 ;;
  esac
done

export MICROSHOP_BUILD_DIR=${MICROSHOP_BUILD_DIR:-$root/build}
bin=$MICROSHOP_BUILD_DIR/nodes
if [[ ${MICROSHOP_NO_BUILD:-0} == 1 ]]; then
  for exe in user_node order_node edge_node microshop_preload; do
    [[ -x $bin/$exe ]] || { echo "bench: $bin/$exe is missing (--no-build)" >&2; exit 2; }
  done
else
  "$root/scripts/build.sh" >/dev/null
fi
MICROSHOP_HOME=$(mktemp -d /tmp/microshop-bench.XXXXXX)
export MICROSHOP_HOME
export BENCH_DIR=$root/tests/bench
cleanup() {
  cpu_stop
  "$root/scripts/cluster.sh" down >/dev/null 2>&1 || true
  rm -rf "$MICROSHOP_HOME"
}
trap cleanup EXIT

# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
# shellcheck source=scripts/peer_lib.sh
source "$root/scripts/peer_lib.sh"
# shellcheck source=scripts/bench_lib.sh
source "$root/scripts/bench_lib.sh"
use_free_ports
url=http://127.0.0.1:$MICROSHOP_HTTP_PORT
hash_workers=2

echo "bench: preloading $preload users and $((preload * 10)) orders" >&2
"$bin/microshop_preload" --data-dir="$MICROSHOP_HOME/data" --users="$preload" \
  --orders-per-user=10 --ids-out="$MICROSHOP_HOME/ids.txt" >&2
export BENCH_IDS=$MICROSHOP_HOME/ids.txt
hash_ms=$("$bin/microshop_preload" --measure-hash --hash-workers=$hash_workers)

# write_runs FILE...: the runs' JSON lines, named by file, into $json_out
write_runs() {
  {
    printf '{"records":%s,"connections":%s,"duration_s":%s,"runs":{' "$((preload * 11))" "$connections" "$duration"
    local sep= f
    for f in "$@"; do
      printf '%s"%s":%s' "$sep" "$(basename "$f" .json)" "$(tr -d '\n' <"$f")"
      sep=,
    done
    printf '}}\n'
  } >"$json_out"
  echo "bench: results in $json_out" >&2
}
# key_pair SUFFIX [FIRST]: POST /api/orders without and with an
# Idempotency-Key (FIRST=keyed runs the keyed one first), as
# post_order_plain_SUFFIX and post_order_keyed_SUFFIX
key_pair() {
  local order="plain keyed"
  [[ ${2:-} == keyed ]] && order="keyed plain"
  for k in $order; do
    BENCH_KEYED=$([[ $k == keyed ]] && echo 1 || echo 0) run "post_order_${k}_$1" post_order_keyed.lua
  done
}

if [[ $key_ratio == 1 ]]; then
  "$root/scripts/cluster.sh" up >&2
  rounds=$(seq 1 "$tls_rounds")
  for round in $rounds; do
    first=plain
    ((round % 2 == 0)) && first=keyed
    key_pair "$round" "$first"
  done
  "$root/scripts/cluster.sh" down >&2
  {
    printf '\nmicroshop Idempotency-Key cost: POST /api/orders with a fresh key on every request vs none, %s records, wrk -t1 -c%s -d%ss after %ss warm-up, %s cores, %s\n' \
      "$((preload * 11))" "$connections" "$duration" "$warmup" "$(nproc)" "$(date -u +%Y-%m-%dT%H:%MZ)"
    printf '%-6s %12s %12s %8s %10s %10s %8s\n' round 'keyed req/s' 'plain req/s' ratio 'keyed p99' 'plain p99' non-2xx
    ratios=
    for round in $rounds; do
      k=$(field "post_order_keyed_$round" rps) p=$(field "post_order_plain_$round" rps)
      printf '%-6s %12.0f %12.0f %8.3f %10.2f %10.2f %8d\n' "$round" "$k" "$p" "$(ratio "$k" "$p")" \
        "$(field "post_order_keyed_$round" p99_ms)" "$(field "post_order_plain_$round" p99_ms)" \
        "$(($(field "post_order_keyed_$round" non2xx) + $(field "post_order_plain_$round" non2xx)))"
      ratios+="$(ratio "$k" "$p") "
    done
    printf '%-6s %12s %12s %8.3f   (median of the rounds; target > 0.85)\n' median - - "$(median "$ratios")"
  }
  write_runs "$MICROSHOP_HOME"/post_order_*_*.json
  exit 0
fi

if [[ $metrics_cost == 1 ]]; then
  rounds=$(seq 1 "$tls_rounds")
  edge_flags=${MICROSHOP_EDGE_FLAGS:-}
  for round in $rounds; do
    modes="on off"
    ((round % 2 == 0)) && modes="off on"
    for mode in $modes; do
      flags=$edge_flags
      [[ $mode == off ]] && flags+=" --no-metrics"
      MICROSHOP_EDGE_FLAGS=$flags "$root/scripts/cluster.sh" up >&2
      scraper=
      if [[ $mode == on ]]; then
        (while sleep 1; do curl -fsS -o /dev/null "$url/metrics" || true; done) &
        scraper=$!
      fi
      run "get_user_metrics_${mode}_$round" get_user.lua
      [[ -n $scraper ]] && { kill "$scraper"; wait "$scraper" 2>/dev/null || true; }
      "$root/scripts/cluster.sh" down >&2
    done
  done
  {
    printf '\nmicroshop metrics cost: GET /api/users/<id> with metrics on (scraped every second) vs --no-metrics, %s records, wrk -t1 -c%s -d%ss after %ss warm-up, %s cores, %s\n' \
      "$((preload * 11))" "$connections" "$duration" "$warmup" "$(nproc)" "$(date -u +%Y-%m-%dT%H:%MZ)"
    printf '%-6s %12s %12s %8s %10s %10s\n' round 'on req/s' 'off req/s' ratio 'on p99' 'off p99'
    ratios=
    for round in $rounds; do
      a=$(field "get_user_metrics_on_$round" rps) b=$(field "get_user_metrics_off_$round" rps)
      printf '%-6s %12.0f %12.0f %8.3f %10.2f %10.2f\n' "$round" "$a" "$b" "$(ratio "$a" "$b")" \
        "$(field "get_user_metrics_on_$round" p99_ms)" "$(field "get_user_metrics_off_$round" p99_ms)"
      ratios+="$(ratio "$a" "$b") "
    done
    printf '%-6s %12s %12s %8.3f   (median of the rounds; target >= 0.95)\n' median - - "$(median "$ratios")"
  }
  write_runs "$MICROSHOP_HOME"/get_user_metrics_*.json
  exit 0
fi

if [[ $tls_ratio == 1 ]]; then
  # The same data, the cluster restarted in each mode; several rounds, the
  # order alternating, so that the VM's drift shows in the spread and the
  # median instead of in one ratio.
  rounds=$(seq 1 "$tls_rounds")
  for round in $rounds; do
    modes="tls insecure"
    ((round % 2 == 0)) && modes="insecure tls" # alternate which mode goes first
    for mode in $modes; do
      insecure=0
      [[ $mode == insecure ]] && insecure=1
      MICROSHOP_INSECURE=$insecure "$root/scripts/cluster.sh" up >&2
      run "get_user_${mode}_$round" get_user.lua
      run "post_order_${mode}_$round" post_order.lua
      "$root/scripts/cluster.sh" down >&2
    done
  done
  {
    printf '\nmicroshop TLS cost: mutual TLS on every BASP link vs plaintext, %s records, wrk -t1 -c%s -d%ss after %ss warm-up, %s cores, %s\n' \
      "$((preload * 11))" "$connections" "$duration" "$warmup" "$(nproc)" "$(date -u +%Y-%m-%dT%H:%MZ)"
    printf '%-26s %6s %12s %12s %8s %9s %9s\n' endpoint round 'TLS req/s' 'plain req/s' ratio 'TLS p99' 'plain p99'
    for ep in "get_user:GET /api/users/<id>" "post_order:POST /api/orders"; do
      name=${ep%%:*} label=${ep#*:}
      ratios=
      for round in $rounds; do
        t=$(field "${name}_tls_$round" rps) p=$(field "${name}_insecure_$round" rps)
        printf '%-26s %6s %12.0f %12.0f %8.3f %9.2f %9.2f\n' "$label" "$round" "$t" "$p" \
          "$(awk -v a="$t" -v b="$p" 'BEGIN { print a / b }')" \
          "$(field "${name}_tls_$round" p99_ms)" "$(field "${name}_insecure_$round" p99_ms)"
        ratios+="$(awk -v a="$t" -v b="$p" 'BEGIN { print a / b }') "
      done
      printf '%-26s %6s %12s %12s %8.3f   (median of the rounds)\n' "$label" median - - \
        "$(tr ' ' '\n' <<<"$ratios" | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
    done
  }
  write_runs "$MICROSHOP_HOME"/*_tls_*.json "$MICROSHOP_HOME"/*_insecure_*.json
  exit 0
fi

"$root/scripts/cluster.sh" up >&2

run healthz healthz.lua
run get_user get_user.lua
run orders_by_user orders_by_user.lua
run post_order post_order.lua
key_pair 1
# The user node holds at most --hash-workers + --hash-queue (2 + 16) creates
# and answers 503 past that: 16 connections keep its queue full without it.
# No warm-up run: hashing has no cache to fill, and the creates a warm-up
# leaves queued would make the measured run's first creates overflow.
run post_user post_user.lua 0 16
# GET /api/users/<id> while users are being created.
echo "bench: get_user_under_create_load" >&2
BENCH_OUT=$MICROSHOP_HOME/post_user_bg.json wrk -t1 -c16 -d"$((duration + 2))s" \
  -s "$BENCH_DIR/post_user.lua" "$url" >/dev/null &
bg=$!
sleep 1
run get_user_under_create_load get_user.lua 0
wait "$bg"
# The ceiling again: this VM's speed drifts by tens of percent over a minute,
# so each ratio is taken against the mean of the first and the last run.
run healthz_end healthz.lua

# The Express peer on the same load, after microshop (whose cluster keeps
# running idle meanwhile, as in microshop's own runs the peer is not there).
peer_ran=0
if [[ $peer == 1 ]]; then
  if peer_available; then
    echo "bench: Express peer: preloading $preload users" >&2
    peer_up "$MICROSHOP_HOME" "$preload"
    BENCH_URL=$PEER_USERS_URL BENCH_IDS=$MICROSHOP_HOME/peer-ids.txt run peer_get_user get_user.lua
    BENCH_URL=$PEER_ORDERS_URL BENCH_IDS=$MICROSHOP_HOME/peer-ids.txt run peer_post_order post_order.lua
    peer_down
    peer_ran=1
  else
    echo "bench: no Express peer in $(peer_dir) (scripts/bootstrap.sh installs it; --no-peer skips it)" >&2
  fi
fi

# Side by side: CPU per request on fresh clusters of each mode, the modes'
# order alternating per round (this VM drifts by tens of percent a minute).
"$root/scripts/cluster.sh" down >&2
cpu_modes=
if ((cpu_rounds > 0)); then
  base_dir=
  if [[ -n $base ]] && base_dir=$(base_build "$base"); then
    cpu_preload "$base_dir/build" "$MICROSHOP_HOME/base" "$preload"
    cpu_modes+=" base"
  fi
  cpu_preload "$MICROSHOP_BUILD_DIR" "$MICROSHOP_HOME/insecure" "$preload"
  cp -a "$MICROSHOP_HOME/insecure" "$MICROSHOP_HOME/tls"
  cpu_modes+=" insecure tls"
  if ((large > 0)); then
    echo "bench: preloading $large users and $((large * 10)) orders" >&2
    cpu_preload "$MICROSHOP_BUILD_DIR" "$MICROSHOP_HOME/large" "$large"
    cpu_modes+=" large"
  fi
  for round in $(seq 1 "$cpu_rounds"); do
    order=$cpu_modes
    ((round % 2 == 0)) && order=$(tr ' ' '\n' <<<"$cpu_modes" | tac | tr '\n' ' ')
    for mode in $order; do
      case $mode in
        base) cpu_mode "$base_dir/src" "$base_dir/build" "$MICROSHOP_HOME/base" 0 "$round" "get_user post_order" ;;
        insecure) cpu_mode "$root" "$MICROSHOP_BUILD_DIR" "$MICROSHOP_HOME/insecure" 1 "$round" "get_user post_order" ;;
        tls) cpu_mode "$root" "$MICROSHOP_BUILD_DIR" "$MICROSHOP_HOME/tls" 0 "$round" "get_user post_order" ;;
        large) cpu_mode "$root" "$MICROSHOP_BUILD_DIR" "$MICROSHOP_HOME/large" 0 "$round" reads ;;
      esac
    done
  done
fi
# cpu_median ENDPOINT MODE FIELD: the median of FIELD over the rounds.
cpu_median() {
  local v='' r
  for r in $(seq 1 "$cpu_rounds"); do v+="$(field "${1}_${2}_$r" "$3") "; done
  median "$v"
}

ceiling=$(awk -v a="$(field healthz rps)" -v b="$(field healthz_end rps)" 'BEGIN { print (a + b) / 2 }')
argon_bound=$(awk -v w=$hash_workers -v ms="$hash_ms" 'BEGIN { printf "%.1f", w * 1000 / ms }')
records=$((preload * 11))
{
  printf '\nmicroshop benchmark: %s records preloaded, wrk -t1 -c%s -d%ss after %ss warm-up, %s cores, %s\n' \
    "$records" "$connections" "$duration" "$warmup" "$(nproc)" "$(date -u +%Y-%m-%dT%H:%MZ)"
  printf '%-34s %10s %9s %9s %8s %8s\n' endpoint 'req/s' 'p50 ms' 'p99 ms' non-2xx ratio
  for row in "healthz:GET /healthz (ceiling, first)" "get_user:GET /api/users/<id>" \
             "orders_by_user:GET /api/orders?userId=" "post_order:POST /api/orders" \
             "post_user:POST /api/users (16 conns)" "get_user_under_create_load:GET /api/users/<id> + creates" \
             "healthz_end:GET /healthz (ceiling, last)"; do
    name=${row%%:*} label=${row#*:}
    rps=$(field "$name" rps)
    printf '%-34s %10.0f %9.2f %9.2f %8d %8.2f\n' "$label" "$rps" "$(field "$name" p50_ms)" \
      "$(field "$name" p99_ms)" "$(field "$name" non2xx)" "$(awk -v a="$rps" -v b="$ceiling" 'BEGIN { print a / b }')"
  done
  printf '\nRatios are to the mean ceiling of %.0f req/s.\n' "$ceiling"
  printf 'Argon2id: %.1f ms per hash with %d hashing at once -> bound %s creates/s; POST /api/users reached %.0f%% of it.\n' \
    "$hash_ms" "$hash_workers" "$argon_bound" "$(awk -v a="$(field post_user rps)" -v b="$argon_bound" 'BEGIN { print 100 * a / b }')"
  printf 'POST /api/orders with a fresh Idempotency-Key on every request: %.0f req/s, %.0f%% of the same requests without one (%.0f req/s; scripts/bench.sh --key-ratio for rounds).\n' \
    "$(field post_order_keyed_1 rps)" "$(awk -v a="$(field post_order_keyed_1 rps)" -v b="$(field post_order_plain_1 rps)" 'BEGIN { print 100 * a / b }')" \
    "$(field post_order_plain_1 rps)"
  printf 'GET /api/users/<id> under create load kept %.0f%% of its idle throughput.\n' \
    "$(awk -v a="$(field get_user_under_create_load rps)" -v b="$(field get_user rps)" 'BEGIN { print 100 * a / b }')"
  if [[ $peer_ran == 1 ]]; then
    printf '\nExpress peer (in-memory, %s users), same load, same run:\n' "$preload"
    printf '%-34s %10s %10s %8s %9s\n' endpoint 'microshop' 'Express' ratio 'Ex p99'
    for ep in "get_user:peer_get_user:GET /api/users/<id>" "post_order:peer_post_order:POST /api/orders"; do
      ours=${ep%%:*} rest=${ep#*:}; theirs=${rest%%:*} label=${rest#*:}
      printf '%-34s %10.0f %10.0f %7.1fx %9.2f\n' "$label" "$(field "$ours" rps)" "$(field "$theirs" rps)" \
        "$(ratio "$(field "$ours" rps)" "$(field "$theirs" rps)")" "$(field "$theirs" p99_ms)"
    done
  fi
  if [[ -n $cpu_modes ]]; then
    printf '\nSide by side, fresh clusters, %s round(s), modes alternating: CPU per answered request of each node process (us, /proc/<pid>/stat over the measured run)\n' "$cpu_rounds"
    printf '%-22s %-24s %5s %9s %8s %8s %8s %8s %8s %8s\n' endpoint mode round 'req/s' edge users orders total wrk 'per wrk'
    for ep in "get_user:GET /api/users/<id>" "post_order:POST /api/orders"; do
      name=${ep%%:*} label=${ep#*:}
      for mode in $cpu_modes; do
        [[ $mode == large && $name != get_user ]] && continue
        case $mode in
          base) what="$base plaintext" ;;
          insecure) what="this tree plaintext" ;;
          tls) what="this tree TLS" ;;
          large) what="this tree TLS, $((large * 11)) rec" ;;
        esac
        for r in $(seq 1 "$cpu_rounds"); do
          printf '%-22s %-24s %5s %s\n' "$label" "$what" "$r" "$(cpu_row "${name}_${mode}_$r")"
        done
      done
    done
    for ep in "get_user:GET /api/users/<id>" "post_order:POST /api/orders"; do
      name=${ep%%:*} label=${ep#*:}
      if [[ $cpu_modes == *base* ]]; then
        printf '%s: CPU per request %.2f us plaintext vs %.2f us at %s (medians): %.3f of it (target <= 0.667); per wrk: %.3f; TLS %.2f us\n' \
          "$label" "$(cpu_median "$name" insecure total_us)" "$(cpu_median "$name" base total_us)" "$base" \
          "$(ratio "$(cpu_median "$name" insecure total_us)" "$(cpu_median "$name" base total_us)")" \
          "$(ratio "$(cpu_median "$name" insecure per_wrk)" "$(cpu_median "$name" base per_wrk)")" "$(cpu_median "$name" tls total_us)"
      fi
    done
    if [[ $cpu_modes == *large* ]]; then
      printf 'GET /api/users/<id> at %s records: %.0f req/s vs %.0f at %s (TLS, medians): %.3f of it (target >= 0.90)\n' \
        "$((large * 11))" "$(cpu_median get_user large rps)" "$(cpu_median get_user tls rps)" "$((preload * 11))" \
        "$(ratio "$(cpu_median get_user large rps)" "$(cpu_median get_user tls rps)")"
    fi
  fi
}
{
  printf '{"records":%s,"connections":%s,"duration_s":%s,"cores":%s,"hash_ms":%s,"argon2_bound_rps":%s,"endpoints":{' \
    "$records" "$connections" "$duration" "$(nproc)" "$hash_ms" "$argon_bound"
  sep=
  names="healthz get_user orders_by_user post_order post_order_plain_1 post_order_keyed_1 post_user get_user_under_create_load healthz_end"
  [[ $peer_ran == 1 ]] && names+=" peer_get_user peer_post_order"
  for f in "$MICROSHOP_HOME"/get_user_*_[0-9]*.json "$MICROSHOP_HOME"/post_order_{base,insecure,tls}_[0-9]*.json; do
    [[ -e $f ]] && names+=" $(basename "$f" .json)"
  done
  for name in $names; do
    printf '%s"%s":%s' "$sep" "$name" "$(tr -d '\n' <"$MICROSHOP_HOME/$name.json")"
    sep=,
  done
  printf '}}\n'
} >"$json_out"
echo "bench: results in $json_out" >&2
