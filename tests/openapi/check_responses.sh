#!/usr/bin/env bash
# ctest openapi_responses: the responses the recording suites received
# (MICROSHOP_RECORD_RESPONSES files, given as arguments) against
# docs/openapi.json with ajv (JSON Schema 2020-12).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_npm_cache ajv/dist/2020.js ajv-formats
MICROSHOP_NODE_MODULES=$node_modules exec node \
  "$root/tests/openapi/check_responses.mjs" "$root/docs/openapi.json" "$@"
