#!/usr/bin/env bash
# Runs a microshop cluster on this machine: user, order and edge node as three
# background processes.
#
#   scripts/cluster.sh up          build if needed, start all three, wait for /readyz
#   scripts/cluster.sh down        stop all three gracefully
#   scripts/cluster.sh status      pid, port and state of each node
#   scripts/cluster.sh start NODE  start one node (users | orders | edge)
#   scripts/cluster.sh stop NODE   stop one node
#
# Env: MICROSHOP_HOME (default <checkout>/var: data/NODE/, log/NODE.log,
#      run/NODE.pid), MICROSHOP_HTTP_PORT (8080), MICROSHOP_USERS_PORT (7101),
#      MICROSHOP_ORDERS_PORT (7102), MICROSHOP_HOST (127.0.0.1),
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
http_port=${MICROSHOP_HTTP_PORT:-8080}
users_port=${MICROSHOP_USERS_PORT:-7101}
orders_port=${MICROSHOP_ORDERS_PORT:-7102}
nodes=(users orders edge)

die() { echo "cluster: $*" >&2; exit 1; }

exe_of() {
  case $1 in
    users) echo "$build/nodes/user_node" ;;
    orders) echo "$build/nodes/order_node" ;;
    edge) echo "$build/nodes/edge_node" ;;
    *) die "unknown node '$1' (users | orders | edge)" ;;
  esac
}

port_of() {
  case $1 in
    users) echo "$users_port" ;;
    orders) echo "$orders_port" ;;
    edge) echo "$http_port" ;;
  esac
}

# Sets the array `args` to the flags of node $1.
set_args() {
  local extra=()
  case $1 in
    users)
      args=("--host=$host" "--port=$users_port" "--data-dir=$home/data/users")
      read -r -a extra <<<"${MICROSHOP_USERS_FLAGS:-}" ;;
    orders)
      args=("--host=$host" "--port=$orders_port" "--data-dir=$home/data/orders"
            "--users-host=$host" "--users-port=$users_port")
      read -r -a extra <<<"${MICROSHOP_ORDERS_FLAGS:-}" ;;
    edge)
      args=("--host=$host" "--port=$http_port" "--users-host=$host"
            "--users-port=$users_port" "--orders-host=$host"
            "--orders-port=$orders_port")
      read -r -a extra <<<"${MICROSHOP_EDGE_FLAGS:-}" ;;
  esac
  args+=("${extra[@]}")
}

pid_file() { echo "$home/run/$1.pid"; }
log_file() { echo "$home/log/$1.log"; }

# The node's pid when it is running (and really is that node), else nothing.
running_pid() {
  local f pid
  f=$(pid_file "$1")
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$(basename "$(exe_of "$1")")" || return 1
  echo "$pid"
}

listening() { (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }

ensure_built() {
  local n
  for n in "${nodes[@]}"; do
    if [[ ! -x $(exe_of "$n") ]]; then
      [[ ${MICROSHOP_NO_BUILD:-0} == 1 ]] &&
        die "$(exe_of "$n") is missing and MICROSHOP_NO_BUILD=1"
      "$root/scripts/build.sh"
      return
    fi
  done
}

start_node() {
  local n=$1 pid exe port args
  exe=$(exe_of "$n")
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
  nohup "$exe" "${args[@]}" >>"$(log_file "$n")" 2>&1 </dev/null &
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

stop_node() {
  local n=$1 pid
  if ! pid=$(running_pid "$n"); then
    echo "$n: not running"
    rm -f "$(pid_file "$n")"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$n: did not stop in 10 s, killing"
    kill -KILL "$pid"
  fi
  rm -f "$(pid_file "$n")"
  echo "$n: stopped"
}

status() {
  local n pid
  printf '%-7s %-8s %-6s %s\n' NODE PID PORT STATE
  for n in "${nodes[@]}"; do
    if pid=$(running_pid "$n"); then
      printf '%-7s %-8s %-6s %s\n' "$n" "$pid" "$(port_of "$n")" running
    else
      printf '%-7s %-8s %-6s %s\n' "$n" - "$(port_of "$n")" stopped
    fi
  done
}

wait_ready() {
  local url="http://$host:$http_port"
  for _ in $(seq 1 600); do
    if [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/readyz") == 200 ]]; then
      echo "microshop is up: $url"
      return 0
    fi
    sleep 0.1
  done
  echo "cluster: /readyz not 200 after 60 s; log tails:" >&2
  for n in "${nodes[@]}"; do
    echo "--- $(log_file "$n")" >&2
    tail -n 10 "$(log_file "$n")" >&2 || true
  done
  return 1
}

cmd=${1:-}
case $cmd in
  up)
    ensure_built
    for n in "${nodes[@]}"; do start_node "$n"; done
    wait_ready
    ;;
  down)
    for n in edge orders users; do stop_node "$n"; done
    ;;
  status) status ;;
  start)
    [[ $# -eq 2 ]] || die "usage: cluster.sh start users|orders|edge"
    exe_of "$2" >/dev/null
    ensure_built
    start_node "$2"
    ;;
  stop)
    [[ $# -eq 2 ]] || die "usage: cluster.sh stop users|orders|edge"
    exe_of "$2" >/dev/null
    stop_node "$2"
    ;;
  *)
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
    [[ -z $cmd ]] && exit 1
    die "unknown command '$cmd'"
    ;;
esac
