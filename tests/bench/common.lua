-- Shared by the benchmark scripts: loads user ids, reports one JSON line.
-- Env: BENCH_IDS (file with one user id per line), BENCH_OUT (JSON file).

ids = {}

function load_ids()
  local path = os.getenv("BENCH_IDS")
  if path == nil then return end
  for line in io.lines(path) do
    if #line > 0 then ids[#ids + 1] = line end
  end
end

function random_id()
  return ids[math.random(#ids)]
end

-- The body of a realistic order: 1-4 lines for `user_id` (default: a random
-- existing user).
function order_body(user_id)
  local lines = {}
  for i = 1, math.random(4) do
    lines[i] = string.format(
      '{"productId":"sku-%d","quantity":%d,"price":%d.%02d}',
      math.random(10000), math.random(5), math.random(0, 199), math.random(0, 99))
  end
  return '{"userId":"' .. (user_id or random_id()) .. '","products":[' ..
         table.concat(lines, ",") .. ']}'
end

-- Requests are built once, in init(), and then picked at random, so that wrk
-- spends its share of the two cores sending rather than formatting; the
-- ceiling (GET /healthz) sends one fixed request the same way.
pool = {}

function fill_pool(n, make)
  for i = 1, n do pool[i] = make(i) end
end

function pick()
  return pool[math.random(#pool)]
end

-- Non-2xx answers are wrk's own count of statuses over 399 (the API answers
-- no 1xx or 3xx); no response() callback, which would cost a Lua call and a
-- header table per response.
function done(summary, latency, requests)
  local e = summary.errors
  local line = string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,' ..
    '"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout)
  local out = os.getenv("BENCH_OUT")
  if out then
    local f = io.open(out, "w"); f:write(line); f:close()
  end
  io.write(line)
end
