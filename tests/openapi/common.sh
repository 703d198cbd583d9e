# Shared by the tests/openapi scripts: the npm cache that scripts/bootstrap.sh
# fills (never installed from here), or exit 77 (ctest: skipped) saying so.
npm_cache=${MICROSHOP_NPM_CACHE:-/var/cache/microshop/npm}
node_modules=$npm_cache/node_modules
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

require_npm_cache() {
  local what
  for what in "$@"; do
    if [[ ! -e "$node_modules/$what" ]]; then
      echo "SKIPPED: $node_modules/$what is missing; run scripts/bootstrap.sh" \
        "(npm ci of docs/site/package-lock.json into \$MICROSHOP_NPM_CACHE)" >&2
      exit 77
    fi
  done
  if ! command -v node >/dev/null 2>&1; then
    echo "SKIPPED: no node; run scripts/bootstrap.sh" >&2
    exit 77
  fi
}
