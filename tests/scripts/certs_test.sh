#!/usr/bin/env bash
# scripts/certs.sh: make (idempotent, adds names), args, rotate (a new
# generation swapped in, the previous one kept, older ones removed), keys
# 0600, every node certificate verifies against the cluster's CA, names that
# are not names refused. Hermetic: a temp home with a space in its path.
# Usage: certs_test.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MICROSHOP_HOME=$(mktemp -d "${TMPDIR:-/tmp}/microshop certs.XXXXXX")
export MICROSHOP_HOME
trap 'rm -rf "$MICROSHOP_HOME"' EXIT
certs() { "$root/scripts/certs.sh" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
d=$MICROSHOP_HOME/certs
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256; }
mode() { stat -c %a "$1"; }

# check_gen DIR NAME...: every NAME has a key (0600) and a certificate with
# CN = NAME that verifies against the CA, both of DIR and of ca/; the key is
# the certificate's.
check_gen() {
  local g=$1 n
  shift
  cmp -s "$g/ca.pem" "$d/ca/ca.pem" || fail "$g/ca.pem is not the CA"
  for n in "$@"; do
    [[ $(mode "$g/$n.key") == 600 ]] || fail "$g/$n.key is mode $(mode "$g/$n.key")"
    openssl verify -CAfile "$g/ca.pem" "$g/$n.pem" >/dev/null || fail "$g/$n.pem does not verify"
    openssl verify -CAfile "$d/ca/ca.pem" -purpose sslclient "$g/$n.pem" >/dev/null ||
      fail "$g/$n.pem is no client certificate"
    openssl verify -CAfile "$d/ca/ca.pem" -purpose sslserver "$g/$n.pem" >/dev/null ||
      fail "$g/$n.pem is no server certificate"
    [[ $(openssl x509 -in "$g/$n.pem" -noout -subject) == "subject=CN = $n" ]] ||
      fail "$g/$n.pem: $(openssl x509 -in "$g/$n.pem" -noout -subject)"
    [[ $(openssl pkey -in "$g/$n.key" -pubout) == $(openssl x509 -in "$g/$n.pem" -noout -pubkey) ]] ||
      fail "$g/$n.key is not the key of $g/$n.pem"
    openssl x509 -in "$g/$n.pem" -noout -text | grep -q "ASN1 OID: prime256v1" ||
      fail "$g/$n.pem: not EC P-256"
    openssl x509 -in "$g/$n.pem" -noout -checkend $((360 * 86400)) >/dev/null ||
      fail "$g/$n.pem ends within 360 days"
    ! openssl x509 -in "$g/$n.pem" -noout -checkend $((370 * 86400)) >/dev/null ||
      fail "$g/$n.pem is valid for more than a year"
  done
}

certs make users-1 users-2 orders-1 edge
[[ $(readlink "$d/current") == gen-1 ]] || fail "current -> $(readlink "$d/current")"
[[ $(mode "$d/ca/ca.key") == 600 ]] || fail "ca.key is mode $(mode "$d/ca/ca.key")"
openssl x509 -in "$d/ca/ca.pem" -noout -checkend $((3640 * 86400)) >/dev/null ||
  fail "the CA ends within 10 years"
openssl x509 -in "$d/ca/ca.pem" -noout -text | grep -q "CA:TRUE" || fail "the CA is no CA"
check_gen "$d/gen-1" users-1 users-2 orders-1 edge
[[ $(certs list | sort | tr '\n' ' ') == "edge orders-1 users-1 users-2 " ]] ||
  fail "list: $(certs list)"

# args: three flags, one a line, through current/.
mapfile -t args < <(certs args users-2)
[[ ${args[*]} == "--openssl.certificate=$d/current/users-2.pem --openssl.key=$d/current/users-2.key --openssl.cafile=$d/current/ca.pem" ]] ||
  fail "args: ${args[*]}"
out=$(certs args orders-9 2>&1) && fail "args of a name without a certificate: $out"
grep -q "run certs.sh make orders-9" <<<"$out" || fail "args orders-9: $out"

# make again: nothing changes; a new name is added to the current generation.
before=$(fingerprint "$d/gen-1/users-1.pem")
ca_before=$(fingerprint "$d/ca/ca.pem")
certs make users-1 orders-2
[[ $(fingerprint "$d/gen-1/users-1.pem") == "$before" ]] || fail "make remade users-1"
[[ $(fingerprint "$d/ca/ca.pem") == "$ca_before" ]] || fail "make remade the CA"
[[ $(readlink "$d/current") == gen-1 ]] || fail "make moved current"
check_gen "$d/gen-1" orders-2

# rotate: every name anew, same CA, current swapped, gen-1 kept.
out=$(certs rotate)
grep -q "current is gen-2 (gen-1 kept)" <<<"$out" || fail "rotate: $out"
[[ $(readlink "$d/current") == gen-2 && -L $d/current ]] || fail "rotate: current -> $(readlink "$d/current")"
check_gen "$d/gen-2" users-1 users-2 orders-1 orders-2 edge
check_gen "$d/gen-1" users-1 users-2 orders-1 orders-2 edge
[[ $(fingerprint "$d/gen-2/users-1.pem") != "$before" ]] || fail "rotate kept users-1's certificate"
[[ $(fingerprint "$d/ca/ca.pem") == "$ca_before" ]] || fail "rotate remade the CA"
cmp -s "$d/gen-1/users-1.key" "$d/gen-2/users-1.key" && fail "rotate kept users-1's key"
# A third: gen-3 current, gen-2 kept, gen-1 gone; nothing else left over.
certs rotate >/dev/null
[[ $(readlink "$d/current") == gen-3 && -d $d/gen-2 && ! -e $d/gen-1 ]] ||
  fail "second rotate: $(ls -A "$d")"
[[ $(ls -A "$d" | sort | tr '\n' ' ') == ".lock ca current gen-2 gen-3 " ]] ||
  fail "left in $d: $(ls -A "$d")"
[[ $(ls -A "$d/gen-3" | wc -l) == 11 ]] || fail "gen-3 holds $(ls -A "$d/gen-3")"

# Refused: a name that is not one, rotate before make, no command.
for bad in "../x" "a b" "-x" ""; do
  out=$(certs make "$bad" 2>&1) && fail "make '$bad' succeeded: $out"
  grep -q "is not a node name" <<<"$out" || fail "make '$bad': $out"
done
out=$(MICROSHOP_HOME=$MICROSHOP_HOME/empty certs rotate 2>&1) && fail "rotate without certificates: $out"
grep -q "run certs.sh make NAME... first" <<<"$out" || fail "rotate without certificates: $out"
certs >/dev/null 2>&1 && fail "no command succeeded"
echo "certs_test: 1 passed, 0 failed"
