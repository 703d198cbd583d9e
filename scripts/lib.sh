# shellcheck shell=bash
# Shared by the scripts: source it, do not run it.

# A TCP port on 127.0.0.1 that nothing listens on right now, below Linux's
# ephemeral range (32768-60999) so no outgoing connection can take it.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

# Exports MICROSHOP_HTTP_PORT, MICROSHOP_USERS_PORT and MICROSHOP_ORDERS_PORT
# as three distinct free ports, for a cluster of the caller's own.
use_free_ports() {
  local ports=() p
  while ((${#ports[@]} < 3)); do
    p=$(free_port)
    [[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
  done
  export MICROSHOP_HTTP_PORT=${ports[0]} MICROSHOP_USERS_PORT=${ports[1]} \
    MICROSHOP_ORDERS_PORT=${ports[2]}
}

# The first of `$1` consecutive TCP ports on 127.0.0.1 that nothing listens
# on right now (see free_port), none of them in the words of `$2`.
free_port_range() {
  local base i ok
  while :; do
    base=$((20000 + RANDOM % 12000))
    ok=1
    for ((i = 0; i < $1; ++i)); do
      if [[ " ${2:-} " == *" $((base + i)) "* ]] ||
        (exec 3<>"/dev/tcp/127.0.0.1/$((base + i))") 2>/dev/null; then
        ok=0
        break
      fi
    done
    ((ok)) && { echo "$base"; return; }
  done
}

# pid_alive PID: whether PID runs (a zombie, waiting for a parent to reap
# it, does not).
pid_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# stop_pids PID...: SIGTERM, up to 10 s, then SIGKILL.
stop_pids() {
  local p i alive
  [[ $# -gt 0 ]] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for i in $(seq 1 100); do
    alive=0
    for p in "$@"; do pid_alive "$p" && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null || true
}
