#!/usr/bin/env bash
# ctest docs_page: starts a real edge (port 0; the routes it serves from
# itself need no user or order node), opens GET /docs in headless Chromium
# (Debian's /usr/bin/chromium, a fresh profile, no network beyond the edge),
# checks that every operation of docs/openapi.json (method and path) is on
# the page Redoc rendered, and writes a screenshot: $MICROSHOP_DOCS_PNG or
# BUILD/docs-page.png. Usage: docs_page.sh BUILD
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build=${1:?usage: docs_page.sh BUILD}
require_npm_cache redoc/bundles/redoc.standalone.js
chromium=${MICROSHOP_CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
  echo "SKIPPED: no $chromium; run scripts/bootstrap.sh (Debian chromium)" >&2
  exit 77
fi
png=${MICROSHOP_DOCS_PNG:-$build/docs-page.png}

tmp=$(mktemp -d)
edge_pid=
cleanup() {
  [[ -n $edge_pid ]] && kill "$edge_pid" 2>/dev/null && wait "$edge_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# Ports 1 and 2: nothing listens there, the edge keeps trying, and no other
# cluster on this machine is reached.
"$build/nodes/edge_node" --port=0 --users-port=1 --orders-port=2 \
  --docs-dir="$node_modules/redoc/bundles" >"$tmp/edge.out" 2>"$tmp/edge.err" &
edge_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's|^edge_node listening on http://[0-9.]*:\([0-9]*\)$|\1|p' "$tmp/edge.out")
  [[ -n $port ]] && break
  sleep 0.1
done
[[ -n $port ]] || { echo "FAIL: the edge did not start" >&2; cat "$tmp/edge.err" >&2; exit 1; }
url=http://127.0.0.1:$port/docs

browse() {
  # --virtual-time-budget: Chromium runs the page (scripts, its fetch of
  # /openapi.json) until it is idle or 30 s of virtual time passed.
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --disable-dev-shm-usage --hide-scrollbars \
    --user-data-dir="$tmp/profile-$1" --virtual-time-budget=30000 \
    --window-size=1400,2200 "${@:2}" "$url" 2>>"$tmp/chromium.err"
}
browse dom --dump-dom >"$tmp/dom.html" || {
  echo "FAIL: chromium could not render $url" >&2
  tail -20 "$tmp/chromium.err" >&2
  exit 1
}
browse shot --screenshot="$tmp/page.png" >/dev/null || true

# Every operation of the document as Redoc writes it:
# <span class="... http-verb get">get</span><span ...>/api/users/{id}</span>
MICROSHOP_NODE_MODULES=$node_modules node - "$root/docs/openapi.json" "$tmp/dom.html" <<'JS'
const fs = require("fs");
const [docPath, domPath] = process.argv.slice(2);
const doc = JSON.parse(fs.readFileSync(docPath, "utf8"));
const dom = fs.readFileSync(domPath, "utf8");
const shown = new Set();
const re = /http-verb [a-z]+">([a-z]+)<\/span><span[^>]*>([^<]+)<\/span>/g;
for (let m; (m = re.exec(dom)); ) shown.add(`${m[1].toUpperCase()} ${m[2]}`);
const want = [];
for (const [path, item] of Object.entries(doc.paths))
  for (const m of ["get", "put", "post", "delete", "options", "head", "patch"])
    if (item[m]) want.push(`${m.toUpperCase()} ${path}`);
const missing = want.filter((x) => !shown.has(x));
console.log(`the rendered page shows ${shown.size} operations; the document has ${want.length}`);
if (!dom.includes(doc.info.title)) missing.push(`the title ${doc.info.title}`);
if (missing.length) {
  console.error(`FAIL: not on the rendered page: ${missing.join(", ")}`);
  process.exit(1);
}
console.log("every route of the document is on the page");
JS
if [[ ! -s $tmp/page.png ]] || [[ $(head -c 8 "$tmp/page.png" | od -An -tx1 | tr -d ' \n') != 89504e470d0a1a0a ]]; then
  echo "FAIL: no PNG screenshot" >&2
  tail -20 "$tmp/chromium.err" >&2
  exit 1
fi
cp "$tmp/page.png" "$png"
echo "screenshot: $png"
