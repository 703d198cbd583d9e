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
#      TLS: by default every BASP link runs mutual TLS; `up` makes the
#      certificates of the shape's nodes under MICROSHOP_HOME/certs when
#      missing (scripts/certs.sh; rotate them with `certs.sh rotate`).
#      MICROSHOP_INSECURE=1: plaintext BASP, no authentication (a warning;
#      every node gets --insecure).
#      MICROSHOP_NETNS=1 (root only): every node in its own network namespace
#      with its own address on a private bridge in MICROSHOP_NETNS_SUBNET
#      (10.214.0.0/24: the machine .1, the edge .2, then users-1..N and
#      orders-1..M; no default route, no NAT; MICROSHOP_HOST is not used);
#      `down` removes all of it, also after a crash (what it made is listed
#      in MICROSHOP_HOME/run/netns.state).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "cluster: $*" >&2; exit 1; }
netns=0
[[ ${MICROSHOP_NETNS:-0} == 1 ]] && netns=1
if ((netns)) && [[ $EUID != 0 ]]; then
  die "MICROSHOP_NETNS=1 needs root (it makes network namespaces); run it as root"
fi
insecure=0
[[ ${MICROSHOP_INSECURE:-0} == 1 ]] && insecure=1
home=${MICROSHOP_HOME:-$root/var}
mkdir -p "$home"
home=$(cd "$home" && pwd)
build=${MICROSHOP_BUILD_DIR:-$root/build}
host=${MICROSHOP_HOST:-127.0.0.1}
shards=128

# shellcheck source=scripts/cluster_nodes.sh
source "$root/scripts/cluster_nodes.sh"

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

# shellcheck source=scripts/netns_lib.sh
source "$root/scripts/netns_lib.sh"
# Namespaces and links of this home: ms + its path's CRC, so that clusters of
# two homes never share a name.
prefix=ms$(printf '%s' "$home" | cksum | awk '{ printf "%08x", $1 }')
export NETNS_STATE=$home/run/netns.state
if ((netns)); then
  subnet=${MICROSHOP_NETNS_SUBNET:-10.214.0.0/24}
  net=$(netns_subnet "$subnet") ||
    die "MICROSHOP_NETNS_SUBNET=$subnet: want A.B.C.0/24 of private addresses (10/8, 172.16/12, 192.168/16)"
  ((user_count + order_count <= 252)) || die "MICROSHOP_NETNS=1 takes at most 252 user and order nodes"
fi

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

listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

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

# Makes the certificates of nodes $@ that are missing, or warns once that
# the links are plaintext.
ensure_tls() {
  if ((insecure)); then
    echo "cluster: WARNING: MICROSHOP_INSECURE=1: BASP links are plaintext and" \
      "unauthenticated; anyone who reaches a node's port can use it" >&2
    return 0
  fi
  "$root/scripts/certs.sh" make "$@" || die "cannot make the certificates"
}

# In netns mode: the bridge, the machine's link to it (.1) and a namespace
# per node of this shape, each made unless it exists. Refuses a subnet that
# another link of the machine uses, and a namespace of this home with
# another address (a cluster of another shape is up).
ensure_netns() {
  local n have
  ((netns)) || return 0
  command -v ip >/dev/null || die "ip (iproute2) is missing"
  mkdir -p "$home/run"
  if netns_subnet_used "$net" "$prefix-h"; then
    die "subnet $subnet is in use on this machine (ip -4 addr): set MICROSHOP_NETNS_SUBNET"
  fi
  netns_bridge "$prefix"
  netns_host "$prefix" "$net.1/24"
  for n in "${nodes[@]}"; do
    netns_add "$prefix" "$n" "$(host_of "$n")/24"
    have=$(ip -n "$prefix-$n" -4 -o addr show dev eth0 | awk '{ print $4 }')
    [[ $have == "$(host_of "$n")/24" ]] ||
      die "namespace $prefix-$n has address $have, not $(host_of "$n")/24: a cluster of another shape is up; run cluster.sh down first"
  done
}

start_node() {
  local n=$1 pid port args addr run=()
  set_args "$n"
  port=$(port_of "$n") addr=$(host_of "$n")
  if pid=$(running_pid "$n"); then
    echo "$n: already running (pid $pid, $addr:$port)"
    return 0
  fi
  mkdir -p "$home/run" "$home/log" "$home/data"
  # ip netns exec execs the node: the pid stays the node's.
  ((netns)) && run=(ip netns exec "$prefix-$n")
  # nohup, not setsid: a new session would get its own CFS autogroup, and the
  # user node's low-priority hash workers would then compete with the other
  # nodes as a whole group instead of yielding to them.
  nohup "${run[@]}" "$(exe_of "$n")" "${args[@]}" >>"$(log_file "$n")" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$(pid_file "$n")"
  for _ in $(seq 1 200); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$n: failed to start; last lines of $(log_file "$n"):" >&2
      tail -n 5 "$(log_file "$n")" >&2
      rm -f "$(pid_file "$n")"
      return 1
    fi
    listening "$addr" "$port" && { echo "$n: started (pid $pid, $addr:$port)"; return 0; }
    sleep 0.05
  done
  echo "$n: started (pid $pid) but $addr:$port is not open yet"
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
# file, whatever shape started them; then removes the namespaces and links
# of this home (netns mode, or a state file left by it).
down() {
  local f name exe kind
  if [[ -f $NETNS_STATE && $EUID != 0 ]]; then
    die "$NETNS_STATE lists network namespaces to remove: run cluster.sh down as root"
  fi
  for kind in edge orders users; do
    for f in "$home/run/$kind"*.pid; do
      [[ -e $f ]] || continue
      name=$(basename "$f" .pid)
      exe=$(exe_of "$name")
      [[ -n $exe ]] || continue
      stop_pid "$name" "$exe" "$f"
    done
  done
  if ((netns)) || [[ -f $NETNS_STATE ]]; then
    netns_cleanup "$prefix"
    echo "network namespaces of $prefix: removed"
  fi
}

# One line per node: name, pid, port (address:port in netns mode), state.
status() {
  local n pid w=6 where
  ((netns)) && w=21
  printf "%-10s %-8s %-${w}s %s\n" NODE PID "$( ((netns)) && echo ADDRESS || echo PORT)" STATE
  for n in "${nodes[@]}"; do
    where=$(port_of "$n")
    ((netns)) && where=$(host_of "$n"):$where
    if pid=$(running_pid "$n"); then
      printf "%-10s %-8s %-${w}s %s\n" "$n" "$pid" "$where" running
    else
      printf "%-10s %-8s %-${w}s %s\n" "$n" - "$where" stopped
    fi
  done
}

wait_ready() {
  local url n
  url="http://$(host_of edge):$http_port"
  for _ in $(seq 1 600); do
    # 200 once every node is connected and reports its own links up.
    if [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/readyz") == 200 ]]; then
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
    ensure_tls "${nodes[@]}"
    ensure_netns
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
    ensure_tls "$n"
    ensure_netns
    start_node "$n"
    ;;
  stop)
    [[ $# -eq 2 ]] || die "usage: cluster.sh stop NODE (${nodes[*]})"
    n=$(resolve "$2")
    stop_node "$n"
    ;;
  *)
    sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'
    [[ -z $cmd ]] && exit 1
    die "unknown command '$cmd'"
    ;;
esac
