# shellcheck shell=bash
# Network namespaces, CPU cgroups and CPU sampling for scripts/scale.sh:
# source it, do not run it. Everything it makes is named with $scale_prefix,
# and scale_cleanup removes all of it (also what a crashed run left behind).
# The namespaces come from scripts/netns_lib.sh.

# shellcheck source=scripts/netns_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/netns_lib.sh"

scale_prefix=msscale
scale_lock=/run/$scale_prefix.lock # held on fd 9; children get it closed

# cgroup_detect: sets cg_version (v2 | v1) and cg_root (where our group
# goes), or fails when no hierarchy has the cpu controller.
cgroup_detect() {
  local mnt
  for mnt in $(awk '$3 == "cgroup2" { print $2 }' /proc/mounts); do
    if grep -qw cpu "$mnt/cgroup.controllers" 2>/dev/null; then
      cg_version=v2 cg_root=$mnt/$scale_prefix
      return 0
    fi
  done
  mnt=$(awk '$3 == "cgroup" && $4 ~ /(^|,)cpu(,|$)/ { print $2; exit }' /proc/mounts)
  if [[ -n $mnt && -f $mnt/cpu.cfs_quota_us ]]; then
    cg_version=v1 cg_root=$mnt/$scale_prefix
    return 0
  fi
  return 1
}

# cgroup_make NAME: an uncapped cpu cgroup for one node; prints its path.
cgroup_make() {
  if [[ ! -d $cg_root ]]; then
    mkdir "$cg_root"
    if [[ $cg_version == v2 ]]; then
      echo +cpu >"$(dirname "$cg_root")/cgroup.subtree_control" 2>/dev/null || true
      echo +cpu >"$cg_root/cgroup.subtree_control"
    fi
  fi
  mkdir -p "$cg_root/$1"
  echo "$cg_root/$1"
}

# cgroup_cap DIR QUOTA_US PERIOD_US: at most QUOTA_US of CPU per PERIOD_US.
cgroup_cap() {
  if [[ $cg_version == v2 ]]; then
    echo "$2 $3" >"$1/cpu.max"
  else
    echo -1 >"$1/cpu.cfs_quota_us"
    echo "$3" >"$1/cpu.cfs_period_us"
    echo "$2" >"$1/cpu.cfs_quota_us"
  fi
}

# cgroup_throttling DIR: "periods throttled" so far (cpu.stat).
cgroup_throttling() {
  awk '$1 == "nr_periods" { p = $2 } $1 == "nr_throttled" { t = $2 }
       END { print p + 0, t + 0 }' "$1/cpu.stat"
}

# net_up: the namespace holding the bridge (no address, no route, no NAT:
# the nodes see only each other).
net_up() { netns_bridge "$scale_prefix"; }

# ns_add NAME ADDR: namespace $scale_prefix-NAME with lo and eth0 = ADDR/24
# on the bridge; no default route.
ns_add() { netns_add "$scale_prefix" "$1" "$2/24"; }

# in_ns NAME CMD...: run CMD in namespace NAME (in the foreground: a
# backgrounded function would make $! a subshell's pid, not CMD's).
in_ns() { netns_exec "$scale_prefix" "$@"; }

# launch NAME CGROUP LOG CMD...: start CMD in namespace NAME (and in CGROUP
# unless it is empty) in the background; the caller reads the pid from $!
# (sh and ip netns exec both exec, so it is CMD's own pid).
launch() {
  local name=$1 cg=$2 log=$3
  shift 3
  # shellcheck disable=SC2016
  # The cgroup first: inside the namespace /sys is a new sysfs without it.
  sh -c 'if [ -n "$1" ]; then echo $$ >"$1/cgroup.procs" || exit 1; fi
    shift; exec ip netns exec "$@"' sh "$cg" "$scale_prefix-$name" "$@" >>"$log" 2>&1 </dev/null 9>&- &
}

# wait_tcp NAME ADDR PORT PID: until ADDR:PORT accepts from namespace NAME
# (10 s); fails early when PID exits.
wait_tcp() {
  local i
  for i in $(seq 1 200); do
    kill -0 "$4" 2>/dev/null || return 1
    in_ns "$1" bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# scale_cleanup: stop every process in our namespaces and cgroups, delete
# them. Idempotent: a second call, or one after a crashed run, is safe.
scale_cleanup() {
  local pids=() dir
  if [[ -n ${cg_root:-} && -d $cg_root ]]; then
    for dir in "$cg_root"/*/; do
      [[ -f $dir/cgroup.procs ]] || continue
      # shellcheck disable=SC2207
      pids+=($(cat "$dir/cgroup.procs"))
    done
  fi
  stop_pids "${pids[@]}"
  netns_cleanup "$scale_prefix"
  if [[ -n ${cg_root:-} && -d $cg_root ]]; then
    for dir in "$cg_root"/*/; do
      [[ -d $dir ]] && rmdir "$dir" 2>/dev/null
    done
    rmdir "$cg_root" 2>/dev/null || true
  fi
}

# snapshot FILE PID...: the CPU ticks of every thread of each PID
# ("t PID TID TICKS"), the machine ("m BUSY TOTAL") and the time ("s SECONDS").
snapshot() {
  local out=$1 p
  shift
  {
    echo "s $(date +%s.%N)"
    for p in "$@"; do
      awk -v pid="$p" 'FNR == 1 { n = split(FILENAME, a, "/"); tid = a[n - 1]
                         sub(/.*\) /, ""); split($0, f, " ")
                         print "t", pid, tid, f[12] + f[13] }' \
        /proc/"$p"/task/*/stat 2>/dev/null || true
    done
    awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i
                       print "m", t - $5 - $6, t }' /proc/stat
  } >"$out"
}

# cpu_usage BEFORE AFTER: per PID between two snapshots, "PID CORES
# BUSIEST_THREAD" (cores used; the busiest thread's share of one core), and
# "machine BUSY_FRACTION".
cpu_usage() {
  awk -v hz="$(getconf CLK_TCK)" '
    FNR == 1 { file++ }
    $1 == "s" { s[file] = $2 }
    $1 == "t" { k = $2 " " $3; if (file == 1) t0[k] = $4; else t1[k] = $4; pid[k] = $2 }
    $1 == "m" { busy[file] = $2; tot[file] = $3 }
    END {
      secs = s[2] - s[1]; if (secs <= 0) secs = 1
      for (k in t1) { d = t1[k] - ((k in t0) ? t0[k] : 0); p = pid[k]
                      sum[p] += d; if (d > mx[p]) mx[p] = d; seen[p] = 1 }
      for (p in seen) printf "%s %.3f %.3f\n", p, sum[p] / hz / secs, mx[p] / hz / secs
      dt = tot[2] - tot[1]; if (dt <= 0) dt = 1
      printf "machine %.3f\n", (busy[2] - busy[1]) / dt
    }' "$1" "$2"
}
