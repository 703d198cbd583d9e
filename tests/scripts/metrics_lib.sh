# shellcheck shell=bash
# Reading a Prometheus text exposition (version 0.0.4) in the tests: source it.
# Label values may hold braces (route="/api/users/{id}") but no commas.

# metric_sum FILE NAME [KEY=VALUE...]: the sum of NAME's samples whose labels
# include every KEY="VALUE" given; nothing when no sample matches.
metric_sum() {
  local file=$1 name=$2
  shift 2
  awk -v name="$name" -v want="$*" '
    function inner(line,   rest) { # the label text between the outer braces
      rest = substr(line, length(name) + 1)
      if (substr(rest, 1, 1) != "{") return ""
      return substr(rest, 2, length(rest) - length($NF) - 3)
    }
    /^#/ || NF < 2 { next }
    {
      c = substr($0, length(name) + 1, 1)
      if (substr($0, 1, length(name)) != name || (c != "{" && c != " ")) next
      labels = "," inner($0) ","
      n = split(want, pairs, " ")
      for (i = 1; i <= n; ++i) {
        eq = index(pairs[i], "=")
        if (!index(labels, "," substr(pairs[i], 1, eq - 1) "=\"" substr(pairs[i], eq + 1) "\",")) next
      }
      sum += $NF
      found = 1
    }
    END { if (found) printf "%.10g\n", sum }' "$file"
}

# metric_has_family FILE NAME TYPE: FILE has `# HELP NAME` and `# TYPE NAME TYPE`.
metric_has_family() {
  grep -q "^# HELP $2 ." "$1" && grep -q "^# TYPE $2 $3\$" "$1"
}

# metric_check_histograms FILE NAME FIRST_LE LAST_LE: every series of
# histogram NAME has cumulative (non-decreasing) buckets from le=FIRST_LE to
# le=LAST_LE (compared as numbers: 5e-04 is 0.0005) then +Inf (either may
# be "": any), a +Inf bucket equal to its _count, and a _sum; prints
# what is wrong and fails otherwise, also when NAME has no series.
metric_check_histograms() {
  awk -v name="$2" -v first="$3" -v last="$4" '
    function key(line, base,   rest, k) { # labels without le, as text
      if (substr(line, length(base) + 1, 1) != "{") return ","
      rest = substr(line, length(base) + 2)
      rest = substr(rest, 1, length(rest) - length($NF) - 2)
      k = "," rest ","
      sub(/,le="[^"]*",/, ",", k)
      return k
    }
    function le(line) {
      if (!match(line, /[{,]le="[^"]*"/)) return ""
      return substr(line, RSTART + 5, RLENGTH - 6)
    }
    /^#/ || NF < 2 { next }
    index($0, name "_bucket{") == 1 {
      k = key($0, name "_bucket"); v = $NF + 0; l = le($0)
      if (!(k in prev)) { if (first != "" && (l == "+Inf" || l + 0 != first + 0)) { print k ": first bucket le=" l; bad = 1 } }
      else if (v < prev[k]) { print k ": bucket le=" l " " v " < " prev[k]; bad = 1 }
      if (l == "+Inf") { inf[k] = v; if (last != "" && lastle[k] + 0 != last + 0) { print k ": last finite le=" lastle[k]; bad = 1 } }
      prev[k] = v; lastle[k] = l; series[k] = 1
      next
    }
    index($0, name "_count") == 1 { count[key($0, name "_count")] = $NF + 0; next }
    index($0, name "_sum") == 1 { sum[key($0, name "_sum")] = 1; next }
    END {
      for (k in series) {
        if (!(k in inf)) { print k ": no +Inf bucket"; bad = 1 }
        else if (!(k in count) || count[k] != inf[k]) { print k ": +Inf " inf[k] " != _count " count[k]; bad = 1 }
        if (!(k in sum)) { print k ": no _sum"; bad = 1 }
        n++
      }
      if (!n) { print "no series of " name; bad = 1 }
      exit bad
    }' "$1"
}
