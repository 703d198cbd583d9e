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
  nodejs chromium  # the API document's checks and docs page (docs/openapi.md)
  prometheus  # promtool check metrics, and a real server scraping the edge in the tests
)
# Debian's nodejs needs Debian's npm; a nodejs that ships its own npm
# (NodeSource's) conflicts with it.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi
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

# npm packages for the API document (docs/site/package.json, pinned by its
# lock): Redoc's bundle served by the edge at /docs, @redocly/cli and ajv for
# the tests. Installed outside the tree with `npm ci`, again only when the
# lock changed.
install_npm() {
  local site cache
  site=$(cd "$(dirname "${BASH_SOURCE[0]}")/../docs/site" && pwd)
  cache=${MICROSHOP_NPM_CACHE:-/var/cache/microshop/npm}
  if [[ -f "$cache/package-lock.json" && -d "$cache/node_modules" ]] &&
    cmp -s "$site/package-lock.json" "$cache/package-lock.json" &&
    cmp -s "$site/package.json" "$cache/package.json"; then
    return 0
  fi
  echo "bootstrap: npm ci into $cache"
  mkdir -p "$cache"
  cp "$site/package.json" "$site/package-lock.json" "$cache/"
  (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

# The Express peer the benchmark compares with: the project's copy in
# docs/peers/express-seed (a copy of the shared Express seed), copied with its
# lock file into the npm cache, `npm ci` there when its lock changed.
install_peer() {
  local src cache
  src=${MICROSHOP_PEER_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/docs/peers/express-seed}
  cache=${MICROSHOP_PEER_DIR:-${MICROSHOP_NPM_CACHE:-/var/cache/microshop/npm}/express-peer}
  if [[ ! -f $src/package-lock.json ]]; then
    echo "bootstrap: no Express peer at $src (scripts/bench.sh runs without it)"
    return 0
  fi
  if [[ -d $cache/node_modules ]] && cmp -s "$src/package-lock.json" "$cache/package-lock.json" &&
    cmp -s "$src/users.js" "$cache/users.js" && cmp -s "$src/orders.js" "$cache/orders.js"; then
    return 0
  fi
  echo "bootstrap: npm ci of the Express peer into $cache"
  mkdir -p "$cache"
  cp "$src/package.json" "$src/package-lock.json" "$src/users.js" "$src/orders.js" "$cache/"
  (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

if [[ ${#missing[@]} -eq 0 ]]; then
  install_npm
  install_peer
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
install_npm
install_peer
echo "bootstrap: done"
