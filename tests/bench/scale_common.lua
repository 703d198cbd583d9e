-- Shared by the scaling run's scripts (scripts/scale.sh): user ids with the
-- nodes a request for that user reaches, and requests counted per node.
-- Env: BENCH_IDS (lines "id node..."), BENCH_OUT (JSON file).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

nodes_of = {} -- user index -> names of the nodes its requests reach
pool_user = {} -- pool index -> user index
counts = {} -- node name -> requests sent (per wrk thread)

function load_routed_ids()
  for line in io.lines(os.getenv("BENCH_IDS")) do
    local words = {}
    for w in line:gmatch("%S+") do words[#words + 1] = w end
    if #words > 1 then
      ids[#ids + 1] = table.remove(words, 1)
      nodes_of[#ids] = words
      for _, n in ipairs(words) do counts[n] = 0 end
    end
  end
end

-- A random request from the pool, counted for every node it reaches.
function routed_request()
  local i = math.random(#pool)
  for _, n in ipairs(nodes_of[pool_user[i]]) do counts[n] = counts[n] + 1 end
  return pool[i]
end

threads = {}
function setup(thread) threads[#threads + 1] = thread end

-- common.lua's JSON line plus "per_node": requests sent to each node.
function done(summary, latency, requests)
  local per = {}
  for _, t in ipairs(threads) do
    for n, v in pairs(t:get("counts")) do per[n] = (per[n] or 0) + v end
  end
  local parts = {}
  for n, v in pairs(per) do parts[#parts + 1] = string.format('"%s":%d', n, v) end
  table.sort(parts)
  local e = summary.errors
  local line = string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,' ..
    '"non2xx":%d,"socket_errors":%d,"per_node":{%s}}\n',
    summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, table.concat(parts, ","))
  local out = os.getenv("BENCH_OUT")
  if out then
    local f = io.open(out, "w"); f:write(line); f:close()
  end
  io.write(line)
end
