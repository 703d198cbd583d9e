# shellcheck shell=bash
# One shape of the scaling run and the report, for scripts/scale.sh: source
# it, do not run it. Uses scale.sh's settings (bin, run, subnet, ...).
# shellcheck disable=SC2154 # settings come from scripts/scale.sh

subnet=10.213.0 # private: it exists only inside our namespaces
edge_addr=$subnet.3 client_addr=$subnet.2
user_addr() { echo "$subnet.$((10 + $1))"; }
order_addr() { echo "$subnet.$((40 + $1))"; }
declare -A rps_of=() row_of=() results_of=()

# node_failed NAME: the last lines of its log, then exit.
node_failed() {
  echo "scale: $1 did not come up; last lines of its log:" >&2
  tail -n 5 "$run/log/$1.log" >&2
  exit 1
}

# start_node NAME CGROUP ADDR PORT CMD...: launch and wait for its port.
start_node() {
  local name=$1 cg=$2 addr=$3 port=$4
  shift 4
  launch "$name" "$cg" "$run/log/$name.log" "$@"
  pids[$name]=$!
  wait_tcp client "$addr" "$port" "${pids[$name]}" || node_failed "$name"
}

# preload_users N: N users created through the edge (which spreads creates
# over the user nodes) by 4 sequential keep-alive curls; ids in $run/ids.
preload_users() {
  local i k
  for ((i = 1; i <= $1; i++)); do
    k=$((i % 4))
    [[ -s $run/preload.$k.curl ]] && echo next >>"$run/preload.$k.curl"
    {
      printf 'url = "http://%s:8080/api/users"\nheader = "Content-Type: application/json"\n' "$edge_addr"
      printf 'data = "{\\"username\\":\\"su%d\\",\\"email\\":\\"su%d@scale.test\\",\\"password\\":\\"scale-password-%d\\"}"\n' "$i" "$i" "$i"
      printf 'write-out = " %%{http_code}\\n"\n'
    } >>"$run/preload.$k.curl"
  done
  local curls=()
  for k in 0 1 2 3; do
    [[ -s $run/preload.$k.curl ]] || continue
    ip netns exec "$scale_prefix-client" curl -s -K "$run/preload.$k.curl" >"$run/preload.$k.out" 2>&1 &
    curls+=($!)
  done
  wait "${curls[@]}" || true
  cat "$run"/preload.*.out >"$run/preload.out"
  sed -nE 's/.*"id":"([0-9a-f-]{36})".* 201$/\1/p' "$run/preload.out" >"$run/ids"
  local got
  got=$(wc -l <"$run/ids")
  ((got == $1)) || die "preload: $got of $1 creates answered 201; first other: $(grep -v ' 201$' "$run/preload.out" | head -n 1)"
  rm -f "$run"/preload.*
}

# route_ids: $run/ids_users ("id users-i") and $run/ids_orders ("id orders-j
# users-i"), the nodes that own each id's shard in the map.
route_ids() {
  awk 'function hex(c) { return index("0123456789abcdef", c) - 1 }
       FNR == NR { if ($1 == "shards") S = $2; else owner[$1, $2] = $3; next }
       { s = (hex(substr($1, 22, 1)) * 16 + hex(substr($1, 23, 1))) % S
         print $1, owner["users", s] >U; print $1, owner["orders", s], owner["users", s] >O }' \
    U="$run/ids_users" O="$run/ids_orders" "$run/shard-map.txt" "$run/ids"
}

# measure NAME SCRIPT IDS: a warm-up and a measured wrk run; CPU of every
# process sampled inside the measured run, throttling of every capped node.
measure() {
  local name=$1 script=$BENCH_DIR/$2 url=http://$edge_addr:8080 wpid n lead win
  export BENCH_IDS=$3
  echo "scale: ${shape}: $name" >&2
  if ((warmup > 0)); then
    in_ns client env BENCH_OUT=/dev/null wrk -t1 -c"$connections" -d"${warmup}s" -s "$script" "$url" >/dev/null
  fi
  ip netns exec "$scale_prefix-client" env BENCH_OUT="$run/$name.json" wrk -t1 -c"$connections" -d"${duration}s" \
    --latency -s "$script" "$url" >/dev/null 9>&- &
  wpid=$!
  lead=$(awk -v d="$duration" 'BEGIN { print (d >= 4) ? 1 : d / 4 }')
  win=$(awk -v d="$duration" -v l="$lead" 'BEGIN { print d - l - ((d >= 4) ? 0.5 : d / 8) }')
  sleep "$lead"
  snapshot "$run/cpu0" "${pids[@]}" "$wpid"
  for n in "${!cgs[@]}"; do echo "$n $(cgroup_throttling "${cgs[$n]}")"; done >"$run/thr0"
  sleep "$win"
  snapshot "$run/cpu1" "${pids[@]}" "$wpid"
  for n in "${!cgs[@]}"; do echo "$n $(cgroup_throttling "${cgs[$n]}")"; done >"$run/thr1"
  wait "$wpid" || die "$name: wrk failed"
  pids[wrk]=$wpid
  collect "$name"
  unset 'pids[wrk]'
}

# collect NAME: the JSON object of one measured run (results_of) and its
# table row (row_of), keyed by shape/NAME.
collect() {
  local name=$1 wrkline per primary=users nodes=$n_users facts label key=$shape/$1
  [[ $name == post_order ]] && primary=orders nodes=$n_orders
  wrkline=$(<"$run/$name.json")
  per=$(sed -E 's/.*"per_node":\{([^}]*)\}.*/\1/' <<<"$wrkline" | tr ',' '\n' | tr -d '"' | tr ':' ' ')
  facts=$(
    {
      for label in "${!pids[@]}"; do echo "pid ${pids[$label]} $label"; done
      cpu_usage "$run/cpu0" "$run/cpu1" | sed 's/^/cpu /'
      sed 's/^/thr0 /' "$run/thr0"
      sed 's/^/thr1 /' "$run/thr1"
      sed 's/^/req /' <<<"$per"
    } | awk -v primary="$primary" '
      function mine(k) { return index(k, primary "-") == 1 }
      function stat(arr,   k, n) { mn = -1; mx = 0; sum = 0; n = 0
        for (k in arr) if (mine(k)) { n++; sum += arr[k]
          if (mn < 0 || arr[k] < mn) mn = arr[k]; if (arr[k] > mx) mx = arr[k] }
        mean = n ? sum / n : 0; return (mn > 0) ? mx / mn : 0 }
      function obj(arr, fmt,   k, s, sep) { s = "{"; sep = ""
        for (k in arr) { s = s sep "\"" k "\":" sprintf(fmt, arr[k]); sep = "," }
        return s "}" }
      $1 == "pid" { name[$2] = $3 }
      $1 == "cpu" && $2 == "machine" { machine = $3; next }
      $1 == "cpu" { core[name[$2]] = $3; busiest[name[$2]] = $4 }
      $1 == "thr0" { p0[$2] = $3; t0[$2] = $4 }
      $1 == "thr1" { dp = $3 - p0[$2]; thr[$2] = (dp > 0) ? ($4 - t0[$2]) / dp : 0 }
      $1 == "req" && NF == 3 { req[$2] = $3 }
      END {
        for (k in core) if (k != "edge" && k != "wrk") node[k] = core[k]
        rs = stat(req); rmin = mn; rmax = mx
        cs = stat(node); cmean = mean
        stat(thr); tmean = mean
        printf "\"requests_per_node\":%s,\"request_spread\":%.3f,", obj(req, "%d"), rs
        printf "\"cpu_per_node\":%s,\"cpu_spread\":%.3f,", obj(node, "%.3f"), cs
        printf "\"throttled_per_node\":%s,", obj(thr, "%.3f")
        printf "\"edge_cpu\":%.3f,\"edge_busiest_thread\":%.3f,", core["edge"], busiest["edge"]
        # What held the rate: the capped nodes when they were throttled in
        # most periods; the edge or wrk when their busiest thread neared a
        # core; the machine when all cores were busy (several may hold).
        bound = ""
        if (tmean >= 0.5) bound = "nodes"
        if (busiest["edge"] >= 0.85) bound = bound (bound ? "+" : "") "edge"
        if (busiest["wrk"] >= 0.85) bound = bound (bound ? "+" : "") "wrk"
        if (machine >= 0.9) bound = bound (bound ? "+" : "") "machine"
        if (!bound) bound = "none"
        printf "\"wrk_cpu\":%.3f,\"wrk_busiest_thread\":%.3f,\"machine_busy\":%.3f,", core["wrk"], busiest["wrk"], machine
        printf "\"bound\":\"%s\"\n", bound
        printf "%d %d %.2f %.3f %.2f %.2f %.2f %.2f %.2f %.2f %s\n", rmin, rmax, rs, cmean, cs, tmean,
          core["edge"], busiest["edge"], busiest["wrk"], machine, bound
      }')
  rps_of[$key]=$(sed -E 's/.*"rps":([0-9.]+).*/\1/' <<<"$wrkline")
  results_of[$key]="\"shape\":\"$shape\",\"user_nodes\":$n_users,\"order_nodes\":$n_orders,\"endpoint\":\"$name\",\"nodes\":$nodes,$(sed -E 's/^\{//; s/,"per_node".*//' <<<"$wrkline"),$(head -n 1 <<<"$facts")"
  row_of[$key]="$nodes $(sed -E 's/.*"p99_ms":([0-9.]+).*/\1/' <<<"$wrkline") $(tail -n 1 <<<"$facts")"
}

# report: the table on stdout, the JSON in $json_out; efficiency of each
# run = rate(N) / (N x rate(1x1)), N its service's nodes (users for
# get_user, orders for post_order).
report() {
  local s name key eff sep="" rows=""
  {
    printf '\nmicroshop scaling run: each user/order node capped at %s cores (%s us per %s us, cgroup %s), wrk -t1 -c%s -d%ss after %ss warm-up, %s users, %s cores, %s\n' \
      "$share" "$quota" "$period" "$cg_version" "$connections" "$duration" "$warmup" "$preload" "$(nproc)" "$(date -u +%Y-%m-%dT%H:%MZ)"
    printf '%-5s %-20s %8s %8s %5s %15s %6s %9s %6s %6s %6s %6s %6s %7s %s\n' shape endpoint 'req/s' 'p99 ms' eff \
      'req/node min-max' spread 'node CPU' spread thrott edge 'edge-t' 'wrk-t' machine bound
    for s in ${shapes//,/ }; do
      for name in get_user post_order; do
        key=$s/$name
        eff=null
        if [[ -n ${rps_of[1x1/$name]:-} ]]; then
          eff=$(awk -v r="${rps_of[$key]}" -v r1="${rps_of[1x1/$name]}" -v n="${row_of[$key]%% *}" \
            'BEGIN { printf "%.3f", r / (n * r1) }')
        fi
        rows+="$sep{${results_of[$key]},\"efficiency\":$eff}"
        sep=,
        read -r n p99 rmin rmax rs cmean cs tmean ecpu et wt mach bound <<<"${row_of[$key]}"
        printf '%-5s %-20s %8.0f %8.2f %5s %15s %6s %9s %6s %5.0f%% %6s %6s %6s %7s %s\n' "$s" \
          "$([[ $name == get_user ]] && echo 'GET /api/users/<id>' || echo 'POST /api/orders')" \
          "${rps_of[$key]}" "$p99" "${eff/null/-}" "$rmin-$rmax" "$rs" "$cmean" "$cs" \
          "$(awk -v t="$tmean" 'BEGIN { print 100 * t }')" "$ecpu" "$et" "$wt" "$mach" "$bound"
      done
    done
    printf '\nreq/node, node CPU (mean cores) and their spread (max/min) are over the endpoint'"'"'s service (users for GET, orders for POST);\n'
    printf 'thrott: share of CFS periods the nodes were throttled in; edge: its CPU in cores; edge-t, wrk-t: the busiest thread'"'"'s share\n'
    printf 'of one core (edge HTTP broker, wrk -t1); machine: all %s cores busy, as a fraction. bound: what held the rate\n' "$(nproc)"
    printf '(nodes: throttled in >= 50%% of periods; edge, wrk: busiest thread >= 0.85; machine: >= 0.9 busy).\n'
  }
  printf '{"date":"%s","command":"%s","cores":%s,"cgroup":"%s","cpu_share":%s,"cfs_quota_us":%s,"cfs_period_us":%s,"tls":%s,"duration_s":%s,"warmup_s":%s,"connections":%s,"preload_users":%s,"results":[%s]}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$cmdline" "$(nproc)" "$cg_version" "$share" "$quota" "$period" \
    "$( ((secure && !insecure)) && echo true || echo false)" "$duration" "$warmup" "$connections" "$preload" "$rows" >"$json_out"
  echo "scale: results in $json_out" >&2
}

# tls_flags NAME: sets the array `tls` to NAME's BASP flags: its certificates
# (made under $run/certs), --insecure (--insecure given), or none (binaries
# from before TLS).
tls_flags() {
  tls=()
  ((secure)) || return 0
  if ((insecure)); then
    tls=(--insecure)
    return 0
  fi
  MICROSHOP_HOME=$run "$root/scripts/certs.sh" make "$1" >/dev/null
  mapfile -t tls < <(MICROSHOP_HOME=$run "$root/scripts/certs.sh" args "$1")
}

# run_shape N M: a fresh cluster of N user and M order nodes, measured.
run_shape() {
  n_users=$1 n_orders=$2 shape="${1}x$2"
  local i user_list="" order_list="" cg map=$run/shard-map.txt hash tls=()
  declare -gA pids=() cgs=()
  rm -rf "$run/data" "$run/log" && mkdir -p "$run/data" "$run/log"
  {
    echo "shards 128"
    for ((i = 0; i < 128; i++)); do echo "users $i users-$((i % n_users + 1))"; done
    for ((i = 0; i < 128; i++)); do echo "orders $i orders-$((i % n_orders + 1))"; done
  } >"$map"
  for ((i = 1; i <= n_users; i++)); do user_list+="${user_list:+,}users-$i=$(user_addr $i):7101"; done
  for ((i = 1; i <= n_orders; i++)); do order_list+="${order_list:+,}orders-$i=$(order_addr $i):7102"; done
  echo "scale: ${shape}: starting $n_users user and $n_orders order nodes" >&2
  net_up
  ns_add client "$client_addr"
  ns_add edge "$edge_addr"
  # Cheap hashes: the run measures reads and orders, and the preload creates
  # users through the API; Argon2id at full cost would take minutes.
  hash=(--hash-ops=1 --hash-mem-kib=8)
  for ((i = 1; i <= n_users; i++)); do
    ns_add "users-$i" "$(user_addr $i)"
    cg=$(cgroup_make "users-$i") cgs[users-$i]=$cg
    tls_flags "users-$i"
    if ((sharded)); then
      start_node "users-$i" "$cg" "$(user_addr $i)" 7101 "$bin/user_node" --shard-map="$map" \
        --node-name="users-$i" --host="$(user_addr $i)" --port=7101 \
        --data-dir="$run/data/users-$i" --user-nodes="$user_list" "${hash[@]}" "${tls[@]}"
    else
      start_node "users-$i" "$cg" "$(user_addr $i)" 7101 "$bin/user_node" --host="$(user_addr $i)" \
        --port=7101 --data-dir="$run/data/users-$i" "${hash[@]}" "${tls[@]}"
    fi
  done
  for ((i = 1; i <= n_orders; i++)); do
    ns_add "orders-$i" "$(order_addr $i)"
    cg=$(cgroup_make "orders-$i") cgs[orders-$i]=$cg
    tls_flags "orders-$i"
    if ((sharded)); then
      start_node "orders-$i" "$cg" "$(order_addr $i)" 7102 "$bin/order_node" --shard-map="$map" \
        --node-name="orders-$i" --host="$(order_addr $i)" --port=7102 \
        --data-dir="$run/data/orders-$i" --user-nodes="$user_list" "${tls[@]}"
    else
      start_node "orders-$i" "$cg" "$(order_addr $i)" 7102 "$bin/order_node" --host="$(order_addr $i)" \
        --port=7102 --data-dir="$run/data/orders-$i" --users-host="$(user_addr 1)" --users-port=7101 "${tls[@]}"
    fi
  done
  tls_flags edge
  if ((sharded)); then
    start_node edge "" "$edge_addr" 8080 "$bin/edge_node" --shard-map="$map" --host="$edge_addr" \
      --port=8080 --user-nodes="$user_list" --order-nodes="$order_list" "${tls[@]}"
  else
    start_node edge "" "$edge_addr" 8080 "$bin/edge_node" --host="$edge_addr" --port=8080 \
      --users-host="$(user_addr 1)" --users-port=7101 --orders-host="$(order_addr 1)" --orders-port=7102 "${tls[@]}"
  fi
  for i in $(seq 1 300); do
    [[ $(in_ns client curl -s -o /dev/null -w '%{http_code}' "http://$edge_addr:8080/readyz") == 200 ]] && break
    ((i < 300)) || die "${shape}: /readyz not 200 after 30 s: $(in_ns client curl -s "http://$edge_addr:8080/readyz")"
    sleep 0.1
  done
  echo "scale: ${shape}: preloading $preload users through the API" >&2
  preload_users "$preload"
  route_ids
  for i in "${!cgs[@]}"; do cgroup_cap "${cgs[$i]}" "$quota" "$period"; done
  measure get_user scale_get_user.lua "$run/ids_users"
  measure post_order scale_post_order.lua "$run/ids_orders"
  stop_pids "${pids[edge]}"
  unset 'pids[edge]'
  stop_pids "${pids[@]}"
  scale_cleanup
}
