#!/usr/bin/env bash
# Installs the Debian packages microshop needs to build, test and benchmark.
# Only missing packages are installed; nothing is fetched from anywhere but apt.
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build pkg-config
  libcaf-dev
  librocksdb-dev
  nlohmann-json3-dev
  libboost-dev libboost-test-dev
  libsodium-dev
  libhttp-parser-dev
  curl wrk procps
  openssl iproute2 nftables
  systemd  # systemd-analyze verify for deploy/systemd (PID 1 need not be systemd)
)
# The fuzz targets and sanitizer runs need clang's runtime.
if [[ "${MICROSHOP_WITH_FUZZ:-0}" == 1 ]]; then
  packages+=(clang libclang-rt-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "bootstrap: missing packages: ${missing[*]}" >&2
    echo "bootstrap: run as root (or install sudo), or install them yourself:" >&2
    echo "  apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi

echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bootstrap: done"
