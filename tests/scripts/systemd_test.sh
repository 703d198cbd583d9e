#!/usr/bin/env bash
# The units in deploy/systemd pass `systemd-analyze verify` against the built
# binaries: a temporary root holds the system's own units, ours, and the
# binaries at the paths the units name (this machine's PID 1 is not systemd;
# verify reads unit files all the same). A unit naming a missing binary must
# fail, so the check cannot pass by accident. Usage: systemd_test.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$1
command -v systemd-analyze >/dev/null || { echo "systemd_test: skipped (no systemd-analyze)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/usr/local/lib/microshop" "$tmp/etc/systemd/system" "$tmp/usr/lib/systemd"
cp -r /usr/lib/systemd/system "$tmp/usr/lib/systemd/system"
for exe in user_node order_node edge_node; do
  cp "$build/nodes/$exe" "$tmp/usr/local/lib/microshop/"
done
cp "$root"/deploy/systemd/*.service "$tmp/etc/systemd/system/"
units="microshop-users@1.service microshop-users@2.service microshop-orders@1.service microshop-edge.service"
# shellcheck disable=SC2086
(cd "$tmp/etc/systemd/system" && systemd-analyze verify --root="$tmp" $units) ||
  { echo "FAIL: systemd-analyze verify refused the units" >&2; exit 1; }
rm "$tmp/usr/local/lib/microshop/edge_node"
if (cd "$tmp/etc/systemd/system" && systemd-analyze verify --root="$tmp" microshop-edge.service 2>/dev/null); then
  echo "FAIL: verify passed with the edge binary missing" >&2; exit 1
fi
echo "systemd_test: 1 passed, 0 failed"
