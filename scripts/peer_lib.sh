# The Express peer (docs/peers/express-seed, installed by
# scripts/bootstrap.sh into the npm cache) for scripts/bench.sh: the same two
# services, in-memory, the baseline microshop is compared with in one run.
# Sourced after scripts/lib.sh (free_port).

# Where bootstrap put the peer (package files, its JS, node_modules).
peer_dir() {
  echo "${MICROSHOP_PEER_DIR:-${MICROSHOP_NPM_CACHE:-/var/cache/microshop/npm}/express-peer}"
}

# Whether the peer is installed and node runs.
peer_available() {
  local dir
  dir=$(peer_dir)
  [[ -f $dir/users.js && -f $dir/orders.js && -d $dir/node_modules ]] && command -v node >/dev/null
}

# peer_up HOME USERS: starts the peer's user and order services on free ports
# (PEER_USERS_URL, PEER_ORDERS_URL), creates USERS users through its API and
# writes their ids, one per line, to HOME/peer-ids.txt.
peer_up() {
  local home=$1 n=$2 dir users_port orders_port
  dir=$(peer_dir)
  users_port=$(free_port) orders_port=$(free_port)
  PORT=$users_port node "$dir/users.js" >"$home/peer-users.log" 2>&1 &
  PEER_USERS_PID=$!
  PORT=$orders_port USERS_URL=http://127.0.0.1:$users_port node "$dir/orders.js" >"$home/peer-orders.log" 2>&1 &
  PEER_ORDERS_PID=$!
  PEER_USERS_URL=http://127.0.0.1:$users_port
  PEER_ORDERS_URL=http://127.0.0.1:$orders_port
  local i
  for i in $(seq 1 100); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$PEER_USERS_URL/api/users/none") == 404 &&
      $(curl -s -o /dev/null -w '%{http_code}' "$PEER_ORDERS_URL/api/orders") == 200 ]] && break
    sleep 0.1
  done
  # The users, 16 at a time over keep-alive connections.
  N=$n OUT=$home/peer-ids.txt URL=$PEER_USERS_URL node -e '
    const http = require("http");
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const n = +process.env.N, ids = [];
    let next = 0, done = 0;
    function one() {
      if (next >= n) return;
      const i = next++;
      const body = JSON.stringify({ username: "peer" + i, email: "peer" + i + "@example.com", password: "password" + i });
      const req = http.request(process.env.URL + "/api/users", { method: "POST", agent,
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } }, (res) => {
        let data = ""; res.on("data", (c) => data += c);
        res.on("end", () => { ids.push(JSON.parse(data).id);
          if (++done === n) { require("fs").writeFileSync(process.env.OUT, ids.join("\n") + "\n"); process.exit(0); }
          one(); });
      });
      req.on("error", (e) => { console.error(e.message); process.exit(1); });
      req.end(body);
    }
    for (let k = 0; k < 16; ++k) one();'
}

# Stops the peer's services.
peer_down() {
  kill "${PEER_USERS_PID:-}" "${PEER_ORDERS_PID:-}" 2>/dev/null || true
  wait "${PEER_USERS_PID:-}" "${PEER_ORDERS_PID:-}" 2>/dev/null || true
}
