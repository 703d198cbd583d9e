#!/usr/bin/env bash
# deploy/systemd, checked without a systemd PID 1 (verify, security, sysusers
# and tmpfiles all work on a temporary root):
#  1. `systemd-analyze verify` passes over a temporary root holding the
#     system's own units, ours and the built binaries at the paths the units
#     name, and prints nothing: verify exits 0 on an unknown key or a bad value
#     (it only warns), so any output counts as a failure. The same check must
#     refuse a unit naming a missing binary, a misspelt directive and a bad
#     value, so it cannot pass by accident.
#  2. `systemd-analyze security --offline` rates every unit at most 2.0
#     ("OK"), so no hardening option can silently go.
#  3. The sysusers.d file makes the `microshop` user and group, the
#     tmpfiles.d file makes /etc/microshop and /etc/microshop/tls 0750
#     root:microshop.
#  4. The units' own ExecStart lines (%i = 1, %S and /etc/microshop under
#     the temporary root, the log level from the example env file) run the
#     built binaries with the example configuration files of deploy/systemd/etc
#     (ports made free, TLS files from scripts/certs.sh): the cluster gets
#     ready, takes a user and an order, and stops with exit 0 on SIGTERM.
# Usage: systemd_test.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "$1" && pwd)
command -v systemd-analyze >/dev/null || { echo "systemd_test: skipped (no systemd-analyze)"; exit 77; }
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
tmp=$(mktemp -d)
pids=()
cleanup() {
  ((${#pids[@]})) && stop_pids "${pids[@]}"
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
passed=0
units=(microshop-users@1.service microshop-users@2.service microshop-orders@1.service
  microshop-edge.service)
sys=$tmp/etc/systemd/system

mkdir -p "$tmp/usr/local/lib/microshop" "$sys" "$tmp/usr/lib/systemd" \
  "$tmp/usr/lib/sysusers.d" "$tmp/usr/lib/tmpfiles.d"
cp -r /usr/lib/systemd/system "$tmp/usr/lib/systemd/system"
for exe in user_node order_node edge_node; do
  cp "$build/nodes/$exe" "$tmp/usr/local/lib/microshop/"
done
cp "$root"/deploy/systemd/*.service "$sys/"
cp "$root/deploy/systemd/microshop.sysusers.conf" "$tmp/usr/lib/sysusers.d/microshop.conf"
cp "$root/deploy/systemd/microshop.tmpfiles.conf" "$tmp/usr/lib/tmpfiles.d/microshop.conf"

# verify_clean UNIT...: verify exits 0 and says nothing.
verify_clean() {
  local out
  out=$(cd "$sys" && systemd-analyze verify --root="$tmp" "$@" 2>&1) || { echo "$out"; return 1; }
  [[ -z $out ]] || { echo "$out"; return 1; }
}

# 1. verify, and its refusals.
out=$(verify_clean "${units[@]}") || fail "systemd-analyze verify refused the units: $out"
passed=$((passed + 1))
# refused WHAT SED-EXPRESSION: verify_clean refuses the edge unit edited so.
refused() {
  cp "$root/deploy/systemd/microshop-edge.service" "$sys/"
  sed -i "$2" "$sys/microshop-edge.service"
  ! cmp -s "$root/deploy/systemd/microshop-edge.service" "$sys/microshop-edge.service" ||
    fail "the edit for '$1' changed nothing"
  if verify_clean microshop-edge.service >/dev/null; then fail "verify passed with $1"; fi
  cp "$root/deploy/systemd/microshop-edge.service" "$sys/"
}
refused "a misspelt directive" 's/^ProtectSystem=strict$/ProtectSytem=strict/'
refused "a bad value" 's/^Restart=on-failure$/Restart=sometimes/'
refused "a missing binary" 's|/edge_node |/edge_nod |'
mv "$tmp/usr/local/lib/microshop/order_node" "$tmp/order_node"
if verify_clean microshop-orders@1.service >/dev/null; then fail "verify passed with order_node missing"; fi
mv "$tmp/order_node" "$tmp/usr/local/lib/microshop/order_node"
passed=$((passed + 1))

# 2. hardening.
for u in microshop-users@1.service microshop-orders@1.service microshop-edge.service; do
  out=$(cd "$sys" && systemd-analyze security --offline=true --root="$tmp" --threshold=20 "$u" 2>&1) ||
    fail "$u is exposed more than 2.0: $(grep -E '✗|Overall' <<<"$out")"
done
passed=$((passed + 1))

# 3. sysusers.d and tmpfiles.d.
systemd-sysusers --root="$tmp" "$tmp/usr/lib/sysusers.d/microshop.conf" >/dev/null 2>&1 ||
  fail "systemd-sysusers refused microshop.conf"
uid=$(awk -F: '$1 == "microshop" { print $3 }' "$tmp/etc/passwd")
gid=$(awk -F: '$1 == "microshop" { print $3 }' "$tmp/etc/group")
[[ -n $uid && -n $gid ]] || fail "no microshop user and group: $(cat "$tmp/etc/passwd")"
[[ $(awk -F: '$1 == "microshop" { print $7 }' "$tmp/etc/passwd") == /usr/sbin/nologin ]] ||
  fail "the microshop user has a login shell"
systemd-tmpfiles --root="$tmp" --create "$tmp/usr/lib/tmpfiles.d/microshop.conf" ||
  fail "systemd-tmpfiles refused microshop.conf"
for d in etc/microshop etc/microshop/tls; do
  [[ $(stat -c '%a %u %g' "$tmp/$d") == "750 0 $gid" ]] ||
    fail "/$d is $(stat -c '%a %u %g' "$tmp/$d"), not 750 root:microshop"
done
passed=$((passed + 1))

# 4. The units' command lines with the example configuration.
etc=$tmp/etc/microshop
MICROSHOP_HOME=$tmp/home "$root/scripts/certs.sh" make users-1 orders-1 edge >/dev/null
cp -L "$tmp"/home/certs/current/{users-1,orders-1,edge}.{pem,key} "$tmp/home/certs/current/ca.pem" "$etc/tls/"
read -r up op hp < <(use_free_ports; echo "$MICROSHOP_USERS_PORT $MICROSHOP_ORDERS_PORT $MICROSHOP_HTTP_PORT")
for f in "$root"/deploy/systemd/etc/*; do
  sed -e "s|/etc/microshop/|$etc/|g" -e "s/=7101$/=$up/" -e "s/=7102$/=$op/" -e "s/=8080$/=$hp/" \
    "$f" >"$etc/$(basename "$f")"
done
# The access log on, as its comment says.
sed -i 's/^; access-log=true$/access-log=true/' "$etc/edge.conf"
grep -q '^access-log=true$' "$etc/edge.conf" || fail "edge.conf has no '; access-log=true' to turn on"
if ! grep -q "$up" "$etc/users-1.conf" || ! grep -q "$op" "$etc/edge.conf" ||
  ! grep -q "$hp" "$etc/edge.conf"; then
  fail "the example configuration does not name the default ports"
fi
# shellcheck disable=SC1091
set -a && source "$etc/microshop.env" && set +a
# exec_line UNIT: its ExecStart, instance 1, paths under the temporary root.
exec_line() {
  sed -n 's/^ExecStart=//p' "$root/deploy/systemd/$1" |
    sed -e 's/%i/1/g' -e "s|%S|$tmp/var/lib|g" -e "s|/etc/microshop/|$etc/|g" \
      -e "s|/usr/local/lib/microshop/|$build/nodes/|" \
      -e "s/\${MICROSHOP_LOG_LEVEL}/$MICROSHOP_LOG_LEVEL/"
}
for u in microshop-users@.service microshop-orders@.service microshop-edge.service; do
  mkdir -p "$tmp/var/lib/microshop"
  # Word splitting is the point: the paths hold no spaces.
  read -ra argv <<<"$(exec_line "$u")"
  "${argv[@]}" >"$tmp/$u.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 1 100); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hp/readyz") == 200 ]] && break
  sleep 0.1
done
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hp/readyz") == 200 ]] ||
  fail "the example cluster is not ready: $(tail -n 3 "$tmp"/*.service.log)"
user=$(curl -sf -X POST "http://127.0.0.1:$hp/api/users" -H 'Content-Type: application/json' \
  -d '{"username":"unit","email":"unit@example.com","password":"password-1"}') ||
  fail "POST /api/users"
uid=$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<<"$user")
curl -sf -X POST "http://127.0.0.1:$hp/api/orders" -H 'Content-Type: application/json' \
  -d "{\"userId\":\"$uid\",\"products\":[{\"productId\":\"p\",\"quantity\":1,\"price\":1}]}" >/dev/null ||
  fail "POST /api/orders"
grep -q '"event":"access".*"route":"/api/orders"' "$tmp/microshop-edge.service.log" ||
  fail "no access line for the order: $(tail -n 3 "$tmp/microshop-edge.service.log")"
grep -q '"event":"start".*"log-level":"info"' "$tmp/microshop-users@.service.log" ||
  fail "the users node's start line does not show the env file's level"
[[ -d $tmp/var/lib/microshop/users-1 && -d $tmp/var/lib/microshop/orders-1 ]] ||
  fail "the stores are not in the units' state directories"
for i in 2 1 0; do
  kill -TERM "${pids[$i]}"
  rc=0
  wait "${pids[$i]}" || rc=$?
  ((rc == 0)) || fail "node ${pids[$i]} exited $rc on SIGTERM"
  unset "pids[$i]"
done
passed=$((passed + 1))
echo "systemd_test: $passed passed, 0 failed"
