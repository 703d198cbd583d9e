# shellcheck shell=bash
# Shared by scripts/bench.sh and scripts/compare.sh: wrk runs, and CPU per
# request of every node process (from /proc/<pid>/stat) on clusters of a
# given build. Sourced after scripts/lib.sh; uses $root, $warmup, $duration,
# $connections, $url, $MICROSHOP_HOME and $BENCH_DIR of the caller.
# shellcheck disable=SC2154

# run NAME SCRIPT [WARMUP] [CONNECTIONS]: one wrk run after WARMUP seconds
# (default --warmup) of the same load; its JSON line lands in
# $MICROSHOP_HOME/NAME.json
run() {
  local warm=${3:-$warmup} conns=${4:-$connections} url=${BENCH_URL:-$url}
  echo "bench: $1 (${warm}s warm-up, ${duration}s, $conns connections)" >&2
  if [[ $warm != 0 ]]; then
    BENCH_OUT=/dev/null wrk -t1 -c"$conns" -d"${warm}s" \
      -s "$BENCH_DIR/$2" "$url" >/dev/null
  fi
  [[ -n ${BENCH_MEASURE_HOOK:-} ]] && $BENCH_MEASURE_HOOK >"$MICROSHOP_HOME/$1.before"
  # wrk's own CPU (bash's `times`: its children's user and system time)
  # is the yardstick of this VM's speed during the run.
  (
    BENCH_OUT=$MICROSHOP_HOME/$1.json wrk -t1 -c"$conns" -d"${duration}s" \
      --latency -s "$BENCH_DIR/$2" "$url" >/dev/null
    times >"$MICROSHOP_HOME/$1.times" # (not in a pipe: that forks)
  )
  [[ -n ${BENCH_MEASURE_HOOK:-} ]] && $BENCH_MEASURE_HOOK >"$MICROSHOP_HOME/$1.after"
  return 0
}
field() { sed -E "s/.*\"$2\":([0-9.]+).*/\1/" "$MICROSHOP_HOME/$1.json"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# cpu_row NAME: run NAME's req/s, then CPU per request of the edge, user
# node, order node, all three, wrk (us) and the nodes' per wrk's.
cpu_row() {
  printf '%9.0f %8.2f %8.2f %8.2f %8.2f %8.2f %8.3f' "$(field "$1" rps)" "$(field "$1" edge_us)" \
    "$(field "$1" users_us)" "$(field "$1" orders_us)" "$(field "$1" total_us)" \
    "$(field "$1" wrk_us)" "$(field "$1" per_wrk)"
}

# wrk_seconds NAME: wrk's CPU seconds (user + system) in run NAME.
wrk_seconds() {
  # Line 2 of `times`: the children's user and system time, "0m1.234s".
  awk 'NR == 2 { t = 0; for (i = 1; i <= 2; ++i) { split($i, a, "m"); sub(/s$/, "", a[2]); t += a[1] * 60 + a[2] } print t }' \
    "$MICROSHOP_HOME/$1.times"
}

# base_build COMMIT: builds COMMIT's nodes (git archive of it, its own
# CMakeLists) in $MICROSHOP_BUILD_DIR/base-COMMIT unless a build is there;
# prints that directory. Fails, saying why on stderr, when COMMIT is not in
# this clone or MICROSHOP_NO_BUILD=1 and there is no build.
base_build() {
  local commit=$1 dir
  dir=$MICROSHOP_BUILD_DIR/base-$commit
  if [[ ! -x $dir/build/nodes/edge_node || ! -x $dir/build/nodes/microshop_preload ]]; then
    if [[ ${MICROSHOP_NO_BUILD:-0} == 1 ]]; then
      echo "bench: no build of $commit in $dir (--no-build; a run without it builds it)" >&2
      return 1
    fi
    git -C "$root" cat-file -e "$commit^{commit}" 2>/dev/null || {
      echo "bench: commit $commit is not in this clone" >&2
      return 1
    }
    echo "bench: building $commit's nodes in $dir (once)" >&2
    rm -rf "$dir/src" && mkdir -p "$dir/src"
    git -C "$root" archive "$commit" | tar -x -C "$dir/src"
    # shellcheck disable=SC2086
    if ! cmake -S "$dir/src" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      ${MICROSHOP_CMAKE_ARGS:-} >/dev/null ||
      ! cmake --build "$dir/build" -j2 --target edge_node user_node order_node microshop_preload >/dev/null; then
      echo "bench: building $commit failed" >&2
      return 1
    fi
  fi
  echo "$dir"
}

# cpu_ticks HOME: "edge users orders" CPU ticks (user + system, all threads)
# of the cluster whose pid files are in HOME/run.
cpu_ticks() {
  local n out=
  for n in edge users orders; do
    out+="$(awk '{ print $14 + $15 }' "/proc/$(<"$1/run/$n.pid")/stat") "
  done
  echo "$out"
}

# cpu_run HOME NAME SCRIPT: run() with each node's CPU read just before and
# after the measured run; appends edge_us, users_us, orders_us, total_us (CPU
# per answered request, microseconds), wrk_us (wrk's, the same way) and
# per_wrk (total_us / wrk_us: the nodes' cost in units of the client's,
# which this VM's drift moves far less than either) to NAME's JSON line.
cpu_run() {
  local home=$1 name=$2 script=$3 before after line hz wrk_s
  hz=$(getconf CLK_TCK)
  BENCH_MEASURE_HOOK="cpu_ticks $home" run "$name" "$script"
  before=$(<"$MICROSHOP_HOME/$name.before") after=$(<"$MICROSHOP_HOME/$name.after")
  line=$(tr -d '\n' <"$MICROSHOP_HOME/$name.json")
  wrk_s=$(wrk_seconds "$name")
  awk -v b="$before" -v a="$after" -v n="$(field "$name" requests)" -v hz="$hz" -v w="$wrk_s" -v line="$line" 'BEGIN {
    split(b, x, " "); split(a, y, " "); t = 0
    for (i = 1; i <= 3; ++i) { us[i] = (y[i] - x[i]) * 1e6 / hz / n; t += us[i] }
    wrk = w * 1e6 / n
    sub(/}$/, "", line)
    printf "%s,\"edge_us\":%.2f,\"users_us\":%.2f,\"orders_us\":%.2f,\"total_us\":%.2f,\"wrk_us\":%.2f,\"per_wrk\":%.3f}\n", line, us[1], us[2], us[3], t, wrk, (wrk > 0 ? t / wrk : 0)
  }' >"$MICROSHOP_HOME/$name.json.new"
  mv "$MICROSHOP_HOME/$name.json.new" "$MICROSHOP_HOME/$name.json"
}

# cpu_preload BUILD HOME USERS: a pristine data set of USERS users (10
# orders each) for BUILD's nodes in HOME/pristine, ids in HOME/ids.txt.
cpu_preload() {
  mkdir -p "$2"
  "$1/nodes/microshop_preload" --data-dir="$2/pristine" --users="$3" \
    --orders-per-user=10 --ids-out="$2/ids.txt" >/dev/null
}

# cpu_mode TREE BUILD HOME INSECURE ROUND ENDPOINTS: a cluster of TREE's
# scripts and BUILD's nodes on a fresh copy of HOME/pristine (HOME/pristine
# itself with ENDPOINTS = reads: nothing is written), each endpoint
# (get_user, post_order) measured by cpu_run as <endpoint>_<HOME's name>_ROUND.
cpu_mode() {
  local tree=$1 build=$2 home=$3 insecure=$4 round=$5 eps=$6 mode ep
  mode=$(basename "$home")
  rm -rf "$home/data" "$home/run" "$home/log"
  if [[ $eps == reads ]]; then
    ln -s pristine "$home/data"
    eps=get_user
  else
    cp -a "$home/pristine" "$home/data"
  fi
  cpu_live="$tree $build $home"
  MICROSHOP_HOME=$home MICROSHOP_BUILD_DIR=$build MICROSHOP_INSECURE=$insecure \
    "$tree/scripts/cluster.sh" up >&2
  for ep in $eps; do
    BENCH_IDS=$home/ids.txt cpu_run "$home" "${ep}_${mode}_$round" "$ep.lua"
  done
  MICROSHOP_HOME=$home MICROSHOP_BUILD_DIR=$build "$tree/scripts/cluster.sh" down >&2
  cpu_live=
}

# cpu_stop: stops a cluster cpu_mode left running (bench.sh's exit trap).
cpu_stop() {
  [[ -n ${cpu_live:-} ]] || return 0
  local tree build home
  read -r tree build home <<<"$cpu_live"
  MICROSHOP_HOME=$home MICROSHOP_BUILD_DIR=$build "$tree/scripts/cluster.sh" down >/dev/null 2>&1 || true
}
