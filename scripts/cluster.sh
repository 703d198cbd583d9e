#!/usr/bin/env bash
# Runs a microshop cluster on this machine: N user nodes, M order nodes and
# one edge node as background processes, over one shard map.
#
#   scripts/cluster.sh up          build if needed, start every node, wait for /readyz
#   scripts/cluster.sh down        stop every node gracefully
#   scripts/cluster.sh status      pid, port and state of each node
#   scripts/cluster.sh start NODE  start one node (users-I | orders-J | edge)
#   scripts/cluster.sh stop NODE   stop one node
#   scripts/cluster.sh map         print the shard map of this shape
#
# Env: MICROSHOP_USER_NODES (N, 1), MICROSHOP_ORDER_NODES (M, 1): nodes are
#      users-1..N and orders-1..M; with one node, `users` (`orders`) names it.
#      MICROSHOP_HOME (default <checkout>/var: data/NODE/, log/NODE.log,
#      run/NODE.pid, shard-map.txt; a service with one node keeps the names
#      users and orders), MICROSHOP_HTTP_PORT (8080), MICROSHOP_USERS_PORT
#      (7101: users-I listens on it + I - 1), MICROSHOP_ORDERS_PORT (7101 + N:
#      orders-J on it + J - 1), MICROSHOP_HOST (127.0.0.1),
#      MICROSHOP_SHARD_MAP (a map file to use instead of the even one),
#      MICROSHOP_USERS_FLAGS / _ORDERS_FLAGS / _EDGE_FLAGS (extra node flags,
#      split at whitespace; a flag cannot contain a space),
#      MICROSHOP_BUILD_DIR (default <checkout>/build),
#      MICROSHOP_NO_BUILD=1 (never build: fail when a node binary is missing).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
home=${MICROSHOP_HOME:-$root/var}
mkdir -p "$home"
home=$(cd "$home" && pwd)
build=${MICROSHOP_BUILD_DIR:-$root/build}
host=${MICROSHOP_HOST:-127.0.0.1}
shards=128

die() { echo "cluster: $*" >&2; exit 1; }

count() { # count VAR VALUE: VALUE as a node count of 1..$shards
  [[ $2 =~ ^[1-9][0-9]*$ ]] && (($2 >= 1 && $2 <= shards)) ||
    die "$1=$2: a node count must be a number from 1 to $shards"
  echo "$2"
}
port() { # port VAR VALUE
  [[ $2 =~ ^[1-9][0-9]*$ ]] && (($2 >= 1 && $2 <= 65535)) ||
    die "$1=$2: not a port"
  echo "$2"
}
user_count=$(count MICROSHOP_USER_NODES "${MICROSHOP_USER_NODES:-1}")
order_count=$(count MICROSHOP_ORDER_NODES "${MICROSHOP_ORDER_NODES:-1}")
http_port=$(port MICROSHOP_HTTP_PORT "${MICROSHOP_HTTP_PORT:-8080}")
users_port=$(port MICROSHOP_USERS_PORT "${MICROSHOP_USERS_PORT:-7101}")
orders_port=$(port MICROSHOP_ORDERS_PORT "${MICROSHOP_ORDERS_PORT:-$((7101 + user_count))}")
map_file=${MICROSHOP_SHARD_MAP:-$home/shard-map.txt}

nodes=()
for ((i = 1; i <= user_count; ++i)); do nodes+=("users-$i"); done
for ((i = 1; i <= order_count; ++i)); do nodes+=("orders-$i"); done
nodes+=(edge)

# The node's index within its service: users-3 -> 3.
index_of() { echo "${1##*-}"; }

# The canonical name of $1 (an alias or a name of this shape), or dies.
resolve() {
  local n
  case $1 in
    users) ((user_count == 1)) && { echo users-1; return; }
      die "'users' names one node only when MICROSHOP_USER_NODES=1; use users-1..users-$user_count" ;;
    orders) ((order_count == 1)) && { echo orders-1; return; }
      die "'orders' names one node only when MICROSHOP_ORDER_NODES=1; use orders-1..orders-$order_count" ;;
  esac
  for n in "${nodes[@]}"; do [[ $n == "$1" ]] && { echo "$n"; return; }; done
  die "unknown node '$1' (${nodes[*]}$( ((user_count == 1)) && echo " users")$( ((order_count == 1)) && echo " orders"))"
}

# What the files of $1 are called: a service with one node keeps the names
# of the cluster from before sharding (data/users, log/users.log, ...).
stem_of() {
  case $1 in
    users-1) ((user_count == 1)) && { echo users; return; } ;;
    orders-1) ((order_count == 1)) && { echo orders; return; } ;;
  esac
  echo "$1"
}

exe_of() {
  case $1 in
    users*) echo "$build/nodes/user_node" ;;
    orders*) echo "$build/nodes/order_node" ;;
    edge) echo "$build/nodes/edge_node" ;;
  esac
}

port_of() {
  case $1 in
    users-*) echo $((users_port + $(index_of "$1") - 1)) ;;
    orders-*) echo $((orders_port + $(index_of "$1") - 1)) ;;
    edge) echo "$http_port" ;;
  esac
}

# Refuses ports that two nodes would share, before anything starts.
check_ports() {
  local u_end=$((users_port + user_count - 1)) o_end=$((orders_port + order_count - 1))
  ((u_end <= 65535)) || die "user node ports $users_port-$u_end go past 65535"
  ((o_end <= 65535)) || die "order node ports $orders_port-$o_end go past 65535"
  if ((users_port <= o_end && orders_port <= u_end)); then
    die "port ranges overlap: user nodes $users_port-$u_end, order nodes $orders_port-$o_end (set MICROSHOP_USERS_PORT / MICROSHOP_ORDERS_PORT apart)"
  fi
  if ((http_port >= users_port && http_port <= u_end)); then
    die "MICROSHOP_HTTP_PORT $http_port is in the user node ports $users_port-$u_end"
  fi
  if ((http_port >= orders_port && http_port <= o_end)); then
    die "MICROSHOP_HTTP_PORT $http_port is in the order node ports $orders_port-$o_end"
  fi
}

# The even map of this shape, as `shard_map::even(128, N, M).text()` writes it.
even_map() {
  local s
  echo "shards $shards"
  for ((s = 0; s < shards; ++s)); do echo "users $s users-$((s % user_count + 1))"; done
  for ((s = 0; s < shards; ++s)); do echo "orders $s orders-$((s % order_count + 1))"; done
}

# Writes the even map to $home/shard-map.txt unless MICROSHOP_SHARD_MAP names one.
write_map() {
  [[ -n ${MICROSHOP_SHARD_MAP:-} ]] && {
    [[ -r $map_file ]] || die "MICROSHOP_SHARD_MAP=$map_file cannot be read"
    return 0
  }
  local text
  text=$(even_map)
  [[ -f $map_file && $(<"$map_file") == "$text" ]] && return 0
  printf '%s\n' "$text" >"$map_file.tmp"
  mv "$map_file.tmp" "$map_file"
}

# "name=host:port,..." for the nodes of service $1 (users | orders).
addresses() {
  local n out=()
  for n in "${nodes[@]}"; do
    [[ $n == "$1"-* ]] && out+=("$n=$host:$(port_of "$n")")
  done
  (IFS=,; echo "${out[*]}")
}

# Sets the array `args` to the flags of node $1.
set_args() {
  local extra=() stem
  stem=$(stem_of "$1")
  args=("--host=$host" "--port=$(port_of "$1")" "--shard-map=$map_file")
  case $1 in
    users-*)
      args+=("--node-name=$1" "--data-dir=$home/data/$stem" "--user-nodes=$(addresses users)")
      read -r -a extra <<<"${MICROSHOP_USERS_FLAGS:-}" ;;
    orders-*)
      args+=("--node-name=$1" "--data-dir=$home/data/$stem" "--user-nodes=$(addresses users)")
      read -r -a extra <<<"${MICROSHOP_ORDERS_FLAGS:-}" ;;
    edge)
      args+=("--user-nodes=$(addresses users)" "--order-nodes=$(addresses orders)")
      read -r -a extra <<<"${MICROSHOP_EDGE_FLAGS:-}" ;;
  esac
  args+=("${extra[@]}")
}

pid_file() { echo "$home/run/$(stem_of "$1").pid"; }
log_file() { echo "$home/log/$(stem_of "$1").log"; }

# The pid in pid file $2 when it runs node binary $1, else nothing.
pid_running() {
  local pid
  [[ -f $2 ]] || return 1
  pid=$(<"$2")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$(basename "$1")" || return 1
  echo "$pid"
}

running_pid() { pid_running "$(exe_of "$1")" "$(pid_file "$1")"; }

listening() { (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }

ensure_built() {
  local exe
  for exe in user_node order_node edge_node; do
    if [[ ! -x $build/nodes/$exe ]]; then
      [[ ${MICROSHOP_NO_BUILD:-0} == 1 ]] &&
        die "$build/nodes/$exe is missing and MICROSHOP_NO_BUILD=1"
      "$root/scripts/build.sh"
      return
    fi
  done
}

start_node() {
  local n=$1 pid port args
  set_args "$n"
  port=$(port_of "$n")
  if pid=$(running_pid "$n"); then
    echo "$n: already running (pid $pid, port $port)"
    return 0
  fi
  mkdir -p "$home/run" "$home/log" "$home/data"
  # nohup, not setsid: a new session would get its own CFS autogroup, and the
  # user node's low-priority hash workers would then compete with the other
  # nodes as a whole group instead of yielding to them.
  nohup "$(exe_of "$n")" "${args[@]}" >>"$(log_file "$n")" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$(pid_file "$n")"
  for _ in $(seq 1 200); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$n: failed to start; last lines of $(log_file "$n"):" >&2
      tail -n 5 "$(log_file "$n")" >&2
      rm -f "$(pid_file "$n")"
      return 1
    fi
    listening "$port" && { echo "$n: started (pid $pid, port $port)"; return 0; }
    sleep 0.05
  done
  echo "$n: started (pid $pid) but port $port is not open yet"
}

# Stops the process of node binary $2 in pid file $3; $1 names it.
stop_pid() {
  local pid
  if ! pid=$(pid_running "$2" "$3"); then
    echo "$1: not running"
    rm -f "$3"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$1: did not stop in 10 s, killing"
    kill -KILL "$pid"
  fi
  rm -f "$3"
  echo "$1: stopped"
}

stop_node() { stop_pid "$1" "$(exe_of "$1")" "$(pid_file "$1")"; }

# Stops the edge, then every order node, then every user node with a pid
# file, whatever shape started them.
down() {
  local f name exe kind
  for kind in edge orders users; do
    for f in "$home/run/$kind"*.pid; do
      [[ -e $f ]] || continue
      name=$(basename "$f" .pid)
      exe=$(exe_of "$name")
      [[ -n $exe ]] || continue
      stop_pid "$name" "$exe" "$f"
    done
  done
}

status() {
  local n pid
  printf '%-10s %-8s %-6s %s\n' NODE PID PORT STATE
  for n in "${nodes[@]}"; do
    if pid=$(running_pid "$n"); then
      printf '%-10s %-8s %-6s %s\n' "$n" "$pid" "$(port_of "$n")" running
    else
      printf '%-10s %-8s %-6s %s\n' "$n" - "$(port_of "$n")" stopped
    fi
  done
}

wait_ready() {
  local url="http://$host:$http_port" n
  for _ in $(seq 1 600); do
    if [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/readyz") == 200 ]]; then
      # /readyz shows the edge's links only; the user nodes link to each
      # other on their own backoff (at most 1 s apart, polled every 100 ms).
      ((user_count == 1)) || sleep 1.2
      echo "microshop is up: $url"
      return 0
    fi
    sleep 0.1
  done
  echo "cluster: /readyz not 200 after 60 s: $(curl -s "$url/readyz"); log tails:" >&2
  for n in "${nodes[@]}"; do
    echo "--- $(log_file "$n")" >&2
    tail -n 10 "$(log_file "$n")" >&2 || true
  done
  return 1
}

cmd=${1:-}
case $cmd in
  up)
    check_ports
    ensure_built
    write_map
    for n in "${nodes[@]}"; do start_node "$n"; done
    wait_ready
    ;;
  down) down ;;
  status) status ;;
  map) if [[ -n ${MICROSHOP_SHARD_MAP:-} ]]; then cat "$map_file"; else even_map; fi ;;
  start)
    [[ $# -eq 2 ]] || die "usage: cluster.sh start NODE (${nodes[*]})"
    n=$(resolve "$2")
    check_ports
    ensure_built
    write_map
    start_node "$n"
    ;;
  stop)
    [[ $# -eq 2 ]] || die "usage: cluster.sh stop NODE (${nodes[*]})"
    n=$(resolve "$2")
    stop_node "$n"
    ;;
  *)
    sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
    [[ -z $cmd ]] && exit 1
    die "unknown command '$cmd'"
    ;;
esac
