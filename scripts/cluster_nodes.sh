# shellcheck shell=bash
# The nodes of a cluster for scripts/cluster.sh: their names, files,
# addresses, ports and flags. Source it, do not run it; it uses cluster.sh's
# settings (home, host, netns, net, insecure, the counts and ports, nodes).
# shellcheck disable=SC2154 # settings come from scripts/cluster.sh

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

# The address node $1 listens on: MICROSHOP_HOST, or in netns mode its own
# on the bridge (the edge .2, users-I .2+I, orders-J .2+N+J).
host_of() {
  ((netns)) || { echo "$host"; return; }
  case $1 in
    edge) echo "$net.2" ;;
    users-*) echo "$net.$((2 + $(index_of "$1")))" ;;
    orders-*) echo "$net.$((2 + user_count + $(index_of "$1")))" ;;
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
    [[ $n == "$1"-* ]] && out+=("$n=$(host_of "$n"):$(port_of "$n")")
  done
  (IFS=,; echo "${out[*]}")
}

# Sets the array `args` to the flags of node $1.
set_args() {
  local extra=() stem
  stem=$(stem_of "$1")
  local tls=()
  args=("--host=$(host_of "$1")" "--port=$(port_of "$1")" "--shard-map=$map_file")
  if ((insecure)); then
    args+=(--insecure)
  else
    mapfile -t tls < <("$root/scripts/certs.sh" args "$1")
    ((${#tls[@]} == 3)) || die "no certificates for $1 (scripts/certs.sh args $1)"
    args+=("${tls[@]}")
  fi
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
