#!/usr/bin/env bash
# ctest openapi_lint: @redocly/cli lint of docs/openapi.json, strict (any
# warning fails; tests/openapi/redocly.yaml says which rules are off, why).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_npm_cache .bin/redocly
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
exec "$node_modules/.bin/redocly" lint \
  --config "$root/tests/openapi/redocly.yaml" "$root/docs/openapi.json"
