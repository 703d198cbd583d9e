#!/usr/bin/env bash
# Compares builds of this tree side by side: CPU per answered request of each
# node process (/proc/<pid>/stat) and of wrk, on fresh plaintext clusters
# (MICROSHOP_INSECURE=1) of each build over the same data size, the builds'
# order alternating per round. How each cut of docs/performance.md was
# measured on its own: a build before it and one after it, in one run.
#
#   scripts/compare.sh [--rounds N] [--duration S] [--warmup S]
#                      [--connections C] [--preload N]
#                      [--endpoints "get_user post_order"] BUILD_DIR...
#
#   BUILD_DIR        a build directory (its nodes/ has user_node, order_node,
#                    edge_node, microshop_preload) of a commit whose nodes
#                    take this tree's cluster.sh flags (issue 12 on)
#   --rounds N       rounds (default 4); --duration S per run (default 5);
#   --warmup S       (default 2); --connections C (default 64);
#   --preload N      users, 10 orders each (default 1000)
#   --endpoints L    tests/bench/<name>.lua scripts (default get_user post_order)
#
# Prints one line per build, endpoint and round, then per endpoint the
# median of the rounds for each build: total CPU per request, and total per
# wrk's (the nodes' cost in units of the client's; this VM's speed drifts by
# tens of percent within a minute, and wrk's cost drifts with it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=4 duration=5 warmup=2 connections=64 preload=1000 endpoints="get_user post_order"
builds=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --preload) preload=$2; shift 2 ;;
    --endpoints) endpoints=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "compare: unknown flag $1" >&2; exit 2 ;;
    *) builds+=("$(cd "$1" && pwd)"); shift ;;
  esac
done
((${#builds[@]} > 0)) || { echo "compare: name at least one build directory" >&2; exit 2; }
for b in "${builds[@]}"; do
  for exe in user_node order_node edge_node microshop_preload; do
    [[ -x $b/nodes/$exe ]] || { echo "compare: $b/nodes/$exe is missing" >&2; exit 2; }
  done
done
MICROSHOP_HOME=$(mktemp -d /tmp/microshop-compare.XXXXXX)
export MICROSHOP_HOME BENCH_DIR=$root/tests/bench
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
# shellcheck source=scripts/bench_lib.sh
source "$root/scripts/bench_lib.sh"
trap 'cpu_stop; rm -rf "$MICROSHOP_HOME"' EXIT
use_free_ports
url=http://127.0.0.1:$MICROSHOP_HTTP_PORT

for i in "${!builds[@]}"; do
  echo "compare: preloading $preload users for ${builds[$i]}" >&2
  cpu_preload "${builds[$i]}" "$MICROSHOP_HOME/b$i" "$preload"
done
for r in $(seq 1 "$rounds"); do
  order=$(seq 0 $((${#builds[@]} - 1)))
  ((r % 2 == 0)) && order=$(tac <<<"$order")
  for i in $order; do
    cpu_mode "$root" "${builds[$i]}" "$MICROSHOP_HOME/b$i" 1 "$r" "$endpoints"
  done
done

printf '\nmicroshop compare: plaintext, %s users, wrk -t1 -c%s -d%ss after %ss warm-up, %s rounds, %s cores, %s\n' \
  "$preload" "$connections" "$duration" "$warmup" "$rounds" "$(nproc)" "$(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-12s %-5s %5s %9s %8s %8s %8s %8s %8s %8s\n' endpoint build round 'req/s' edge users orders total wrk 'per wrk'
for ep in $endpoints; do
  for i in "${!builds[@]}"; do
    for r in $(seq 1 "$rounds"); do
      printf '%-12s %-5s %5s %s\n' "$ep" "b$i" "$r" "$(cpu_row "${ep}_b${i}_$r")"
    done
  done
done
printf '\nmedians of the rounds (b0 = %s)\n' "${builds[0]}"
for ep in $endpoints; do
  for i in "${!builds[@]}"; do
    tot='' per='' e='' u='' o=''
    for r in $(seq 1 "$rounds"); do
      f=${ep}_b${i}_$r
      tot+="$(field "$f" total_us) " per+="$(field "$f" per_wrk) "
      e+="$(field "$f" edge_us) " u+="$(field "$f" users_us) " o+="$(field "$f" orders_us) "
    done
    printf '%-12s b%-4s edge %6.2f users %6.2f orders %6.2f total %6.2f us  per wrk %6.3f  %s\n' "$ep" "$i" \
      "$(median "$e")" "$(median "$u")" "$(median "$o")" "$(median "$tot")" "$(median "$per")" "${builds[$i]}"
  done
done
