#!/usr/bin/env bash
# The scaling run (issue 11): for each cluster shape, every node (edge
# included) in its own network namespace with its own address on a private
# bridge, each user and order node capped at the same CPU share (cgroup v2
# cpu.max or v1 cpu.cfs_quota_us), wrk in a namespace of its own against the
# edge. Measures GET /api/users/<id> and POST /api/orders per shape: req/s,
# p99, efficiency rate(N) / (N x rate(1)), requests and CPU per node, and the
# CPU of the edge and wrk (to show they are not the limit). Needs root.
#
#   scripts/scale.sh [--shapes 1x1,2x2,4x4] [--duration S] [--warmup S]
#                    [--connections C] [--preload N] [--cpu-share F]
#                    [--cfs-period-us P] [--json FILE] [--no-build] [--insecure]
#
#   --shapes L         NxM list: N user nodes, M order nodes (default 1x1,2x2,4x4)
#   --duration S       seconds per measured run (default 10)
#   --warmup S         seconds of the same load before it, not counted (default 3)
#   --connections C    wrk connections, one wrk thread (default 64)
#   --preload N        users created through the API per shape (default 2000)
#   --cpu-share F      CPU per user/order node, in cores (default 0.05)
#   --cfs-period-us P  CFS period (default 20000; the quota F x P must be at
#                      least 1000 us, the kernel's minimum)
#   --json FILE        results (default $MICROSHOP_HOME/scale-results.json, or
#                      scale-results.json in a new temp dir without MICROSHOP_HOME)
#   --no-build         use the binaries in MICROSHOP_BUILD_DIR as they are
#   --insecure         plaintext BASP links (default: mutual TLS, certificates
#                      made by scripts/certs.sh in the run's temp dir)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cmdline="scripts/scale.sh $*"
shapes=1x1,2x2,4x4 duration=10 warmup=3 connections=64 preload=2000
share=0.05 period=20000 insecure=0 json_out=
while [[ $# -gt 0 ]]; do
  case $1 in
    --shapes) shapes=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --preload) preload=$2; shift 2 ;;
    --cpu-share) share=$2; shift 2 ;;
    --cfs-period-us) period=$2; shift 2 ;;
    --json) json_out=$2; shift 2 ;;
    --no-build) export MICROSHOP_NO_BUILD=1; shift ;;
    --insecure) insecure=1; shift ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scale: unknown flag $1" >&2; exit 2 ;;
  esac
done
die() { echo "scale: $*" >&2; exit 1; }
[[ $EUID == 0 ]] || die "needs root (network namespaces and cgroups); run it with sudo"
for tool in ip wrk curl getconf; do
  command -v "$tool" >/dev/null || die "$tool is missing"
done
[[ $shapes =~ ^[0-9]+x[0-9]+(,[0-9]+x[0-9]+)*$ ]] || die "--shapes wants NxM[,NxM...], not '$shapes'"
for s in ${shapes//,/ }; do
  n=${s%x*} m=${s#*x}
  ((n >= 1 && n <= 16 && m >= 1 && m <= 16)) || die "shape $s: 1 to 16 nodes per service"
done
[[ $duration =~ ^[0-9]+$ && $duration -ge 1 ]] || die "--duration wants whole seconds >= 1"
[[ $warmup =~ ^[0-9]+$ && $preload =~ ^[0-9]+$ && $preload -ge 1 ]] || die "bad --warmup or --preload"
quota=$(awk -v f="$share" -v p="$period" 'BEGIN { printf "%d", f * p }')
((quota >= 1000)) || die "quota $share x $period us = $quota us is below the kernel's 1000 us minimum"

# shellcheck source=scripts/scale_lib.sh
source "$root/scripts/scale_lib.sh"
# shellcheck source=scripts/scale_run.sh
source "$root/scripts/scale_run.sh"
cgroup_detect || die "no cgroup hierarchy with the cpu controller (v2 cpu.max or v1 cpu.cfs_quota_us)"

export MICROSHOP_BUILD_DIR=${MICROSHOP_BUILD_DIR:-$root/build}
bin=$MICROSHOP_BUILD_DIR/nodes
if [[ ${MICROSHOP_NO_BUILD:-0} == 1 ]]; then
  for exe in user_node order_node edge_node; do
    [[ -x $bin/$exe ]] || die "$bin/$exe is missing (--no-build)"
  done
else
  "$root/scripts/build.sh" >/dev/null
fi
# Binaries of issue 12 and later refuse plaintext BASP off loopback.
secure=0
"$bin/edge_node" --help 2>&1 | grep -q -- --insecure && secure=1
sharded=0
"$bin/edge_node" --help 2>&1 | grep -q -- --order-nodes && sharded=1
if ((sharded == 0)); then
  [[ $shapes == 1x1 ]] || die "these binaries predate sharding (no --order-nodes): only --shapes 1x1"
fi
if [[ -z $json_out ]]; then
  if [[ -n ${MICROSHOP_HOME:-} ]]; then
    mkdir -p "$MICROSHOP_HOME"
    json_out=$MICROSHOP_HOME/scale-results.json
  else
    json_out=$(mktemp -d /tmp/microshop-scale-results.XXXXXX)/scale-results.json
  fi
fi

exec 9>"$scale_lock"
flock -w 600 9 || die "another scaling run holds $scale_lock"
scale_cleanup # whatever a crashed run left behind, and its files
rm -rf /tmp/microshop-scale.??????
run=$(mktemp -d /tmp/microshop-scale.XXXXXX)
trap 'scale_cleanup; rm -rf "$run"' EXIT
trap 'exit 130' INT TERM
export BENCH_DIR=$root/tests/bench
echo "scale: cgroup $cg_version, each user/order node capped at $quota us per $period us" \
  "($share cores); shapes $shapes; ${duration}s runs after ${warmup}s warm-up" >&2

for s in ${shapes//,/ }; do
  run_shape "${s%x*}" "${s#*x}"
done
report
