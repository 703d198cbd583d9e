# shellcheck shell=bash
# Network namespaces on a private bridge, for scripts/cluster.sh
# (MICROSHOP_NETNS=1), scripts/scale.sh and the test harness
# (tests/support/cluster): source it, do not run it. Needs root.
#
# Everything is named with a PREFIX (at most 13 characters: letters, digits, -):
#   PREFIX-net   the namespace holding the bridge br0 (its own namespace, so
#                the machine's firewall and bridge netfilter never see it)
#   PREFIX-NAME  one namespace per node: lo, and eth0 on the bridge
#   PREFIX-h     a veth of the machine's own namespace on the bridge, with
#                an address, so the machine reaches the nodes (optional)
# No default route and no NAT anywhere: nothing leaves the machine. When
# NETNS_STATE names a file, each namespace or link is written to it before
# it is made, so netns_cleanup removes it even after a crash in between.

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# netns_note WHAT NAME: records WHAT (netns | link) NAME in $NETNS_STATE.
netns_note() {
  [[ -n ${NETNS_STATE:-} ]] || return 0
  grep -qxF "$1 $2" "$NETNS_STATE" 2>/dev/null || echo "$1 $2" >>"$NETNS_STATE"
}

netns_exists() { [[ -e /run/netns/$1 ]]; }

# netns_bridge PREFIX: the namespace PREFIX-net with bridge br0 up.
netns_bridge() {
  local ns=$1-net
  netns_exists "$ns" && return 0
  netns_note netns "$ns"
  ip netns add "$ns"
  ip -n "$ns" link add br0 type bridge
  ip -n "$ns" link set br0 up
}

# netns_host PREFIX ADDR/LEN: the machine's veth PREFIX-h with ADDR/LEN, its
# other end (v-host) on the bridge.
netns_host() {
  local link=$1-h
  ip link show dev "$link" >/dev/null 2>&1 && return 0
  netns_note link "$link"
  ip link add "$link" type veth peer name v-host netns "$1-net"
  ip -n "$1-net" link set v-host master br0 up
  ip addr add "$2" dev "$link"
  ip link set "$link" up
}

# netns_add PREFIX NAME ADDR/LEN: namespace PREFIX-NAME with lo and eth0 =
# ADDR/LEN on the bridge (its end v-NAME; NAME at most 13 characters).
netns_add() {
  local ns=$1-$2
  netns_exists "$ns" && return 0
  netns_note netns "$ns"
  ip netns add "$ns"
  ip -n "$1-net" link add "v-$2" type veth peer name eth0 netns "$ns"
  ip -n "$1-net" link set "v-$2" master br0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$3" dev eth0
  ip -n "$ns" link set eth0 up
}

# netns_exec PREFIX NAME CMD...: CMD in namespace PREFIX-NAME, in the
# foreground (ip netns exec execs CMD: a caller that backgrounds this line
# with `exec` or `&` directly gets CMD's own pid).
netns_exec() {
  local ns=$1-$2
  shift 2
  ip netns exec "$ns" "$@"
}

# The namespaces named PREFIX-*.
netns_list() {
  ip netns list 2>/dev/null | awk -v p="$1-" 'index($1, p) == 1 { print $1 }'
}

# netns_cleanup PREFIX: stops every process in the namespaces of PREFIX
# (SIGTERM, then SIGKILL after 10 s), deletes them and the link PREFIX-h,
# and whatever $NETNS_STATE lists; removes $NETNS_STATE. Idempotent.
netns_cleanup() {
  local ns what name pids=() all=()
  # shellcheck disable=SC2207
  all=($(netns_list "$1"))
  if [[ -n ${NETNS_STATE:-} && -f $NETNS_STATE ]]; then
    while read -r what name; do
      [[ $what == netns ]] && netns_exists "$name" && all+=("$name")
    done <"$NETNS_STATE"
  fi
  for ns in "${all[@]}"; do
    # shellcheck disable=SC2207
    pids+=($(ip netns pids "$ns" 2>/dev/null || true))
  done
  stop_pids "${pids[@]}"
  for ns in "${all[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  # Deleting PREFIX-net removed the veth pairs; a link left is from a crash
  # between its two ends.
  ip link del "$1-h" 2>/dev/null || true
  if [[ -n ${NETNS_STATE:-} && -f $NETNS_STATE ]]; then
    while read -r what name; do
      if [[ $what == link ]]; then ip link del "$name" 2>/dev/null || true; fi
    done <"$NETNS_STATE"
    rm -f "$NETNS_STATE"
  fi
}

# netns_subnet SUBNET: "A.B.C" when SUBNET is A.B.C.0/24 of private
# (RFC 1918) addresses, else fails.
netns_subnet() {
  local a b c
  [[ $1 =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.0/24$ ]] || return 1
  a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]} c=${BASH_REMATCH[3]}
  ((a <= 255 && b <= 255 && c <= 255)) || return 1
  ((a == 10 || (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168))) || return 1
  echo "$a.$b.$c"
}

# netns_subnet_used BASE [LINK]: whether an address of the machine's own
# namespace, on another link than LINK, lies in BASE.0/24.
netns_subnet_used() {
  ip -4 -o addr show 2>/dev/null |
    awk -v base="$1." -v own="${2:-}" '{ split($4, a, "/") }
      $2 != own && index(a[1], base) == 1 { found = 1 } END { exit !found }'
}
