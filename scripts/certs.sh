#!/usr/bin/env bash
# The certificates of a microshop cluster (mutual TLS on every BASP link):
# the cluster's own CA and one key and certificate per node, under
# $MICROSHOP_HOME/certs (default <checkout>/var/certs).
#
#   scripts/certs.sh make NAME...  make the CA and a first generation when
#                                  missing, then a key and certificate for
#                                  each NAME the current generation lacks
#   scripts/certs.sh rotate        a new generation: a new key and certificate
#                                  for every name of the current one, same CA;
#                                  swaps `current` atomically, keeps the
#                                  previous generation, removes older ones
#   scripts/certs.sh args NAME     the three --openssl.* flags of node NAME,
#                                  one a line, paths through `current/`
#   scripts/certs.sh list          the names of the current generation
#
# Layout: ca/ca.pem, ca/ca.key (the CA: EC P-256, 10 years); gen-N/ca.pem
# (the CA bundle nodes trust), gen-N/NAME.pem (CN = NAME, 1 year),
# gen-N/NAME.key; current -> gen-N. Keys are mode 0600. Nodes are given paths
# through current/, and CAF reads the files again for every new connection,
# so a rotation needs no restart: new connections use the new generation.
# Node names: users-1..N, orders-1..M, edge (any [A-Za-z0-9][A-Za-z0-9._-]*).
set -euo pipefail
umask 077

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
home=${MICROSHOP_HOME:-$root/var}
dir=$home/certs
ca_days=3650 node_days=365

die() { echo "certs: $*" >&2; exit 1; }
usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }

check_name() {
  [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] ||
    die "'$1' is not a node name (letters, digits, . _ -; at most 64)"
}

# openssl with its output kept for the message when it fails.
ossl() {
  local out
  out=$(openssl "$@" 2>&1) || die "openssl $1 failed: $out"
}

# The number N of current -> gen-N, or nothing.
current_gen() {
  local t
  t=$(readlink "$dir/current" 2>/dev/null) || return 0
  [[ $t =~ ^gen-([0-9]+)$ ]] && echo "${BASH_REMATCH[1]}"
}

# Points current at gen-$1 in one rename.
swap_current() {
  ln -sfn "gen-$1" "$dir/current.new"
  mv -T "$dir/current.new" "$dir/current"
}

make_ca() {
  [[ -f $dir/ca/ca.key && -f $dir/ca/ca.pem ]] && return 0
  mkdir -p "$dir/ca"
  ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca/ca.key.tmp"
  ossl req -x509 -new -key "$dir/ca/ca.key.tmp" -sha256 -days "$ca_days" \
    -subj "/CN=microshop cluster CA $(date -u +%Y%m%dT%H%M%SZ)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/ca/ca.pem.tmp"
  chmod 0600 "$dir/ca/ca.key.tmp"
  chmod 0644 "$dir/ca/ca.pem.tmp"
  mv "$dir/ca/ca.key.tmp" "$dir/ca/ca.key"
  mv "$dir/ca/ca.pem.tmp" "$dir/ca/ca.pem"
}

# make_node GEN_DIR NAME: NAME.key and NAME.pem signed by the CA in GEN_DIR.
make_node() {
  local d=$1 n=$2 tmp
  tmp=$(mktemp -d "$d/.make-$n.XXXXXX")
  ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/key"
  ossl req -new -key "$tmp/key" -subj "/CN=$n" -out "$tmp/csr"
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyAgreement" \
    "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=DNS:$n" >"$tmp/ext"
  ossl x509 -req -in "$tmp/csr" -CA "$dir/ca/ca.pem" -CAkey "$dir/ca/ca.key" \
    -CAcreateserial -CAserial "$tmp/serial" -days "$node_days" -sha256 \
    -extfile "$tmp/ext" -out "$tmp/pem"
  chmod 0600 "$tmp/key"
  chmod 0644 "$tmp/pem"
  # The key first: a reader that finds NAME.pem finds its key too.
  mv "$tmp/key" "$d/$n.key"
  mv "$tmp/pem" "$d/$n.pem"
  rm -rf "$tmp"
}

# new_gen N: an empty generation directory gen-N with the CA bundle.
new_gen() {
  mkdir -p "$dir/gen-$1"
  chmod 0755 "$dir/gen-$1"
  install -m 0644 "$dir/ca/ca.pem" "$dir/gen-$1/ca.pem"
}

# The node names of the current generation.
names() {
  local f n
  for f in "$dir/current/"*.pem; do
    [[ -e $f ]] || continue
    n=$(basename "$f" .pem)
    [[ $n == ca ]] || echo "$n"
  done
}

cmd_make() {
  local g n
  [[ $# -ge 1 ]] || die "usage: certs.sh make NAME..."
  for n in "$@"; do check_name "$n"; done
  make_ca
  g=$(current_gen)
  if [[ -z $g ]]; then
    g=1
    new_gen "$g"
    swap_current "$g"
  fi
  for n in "$@"; do
    [[ -f $dir/gen-$g/$n.pem && -f $dir/gen-$g/$n.key ]] || make_node "$dir/gen-$g" "$n"
  done
}

cmd_rotate() {
  local g next n old
  g=$(current_gen)
  [[ -n $g ]] || die "no certificates under $dir yet: run certs.sh make NAME... first"
  next=$((g + 1))
  rm -rf "$dir/gen-$next"
  new_gen "$next"
  for n in $(names); do make_node "$dir/gen-$next" "$n"; done
  swap_current "$next"
  for old in "$dir"/gen-*; do
    [[ $old =~ /gen-([0-9]+)$ ]] || continue
    ((BASH_REMATCH[1] < g)) && rm -rf "$old"
  done
  echo "certs: current is gen-$next (gen-$g kept)"
}

cmd_args() {
  [[ $# -eq 1 ]] || die "usage: certs.sh args NAME"
  check_name "$1"
  [[ -f $dir/current/$1.pem && -f $dir/current/$1.key ]] ||
    die "no certificate for $1 under $dir/current: run certs.sh make $1"
  printf '%s\n' "--openssl.certificate=$dir/current/$1.pem" \
    "--openssl.key=$dir/current/$1.key" "--openssl.cafile=$dir/current/ca.pem"
}

command -v openssl >/dev/null || die "openssl is missing (Debian: apt-get install openssl)"
cmd=${1:-}
[[ $# -gt 0 ]] && shift
case $cmd in
  make | rotate)
    mkdir -p "$dir"
    chmod 0700 "$dir"
    # One writer at a time (cluster.sh up beside a rotation).
    exec 8>"$dir/.lock"
    flock -w 60 8 || die "another certs.sh holds $dir/.lock"
    "cmd_$cmd" "$@"
    ;;
  args) cmd_args "$@" ;;
  list) names ;;
  -h | --help) usage ;;
  *)
    usage
    [[ -z $cmd ]] && exit 1
    die "unknown command '$cmd'"
    ;;
esac
