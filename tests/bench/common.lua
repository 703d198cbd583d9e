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

local function non2xx_count()
  return non2xx or 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = (non2xx or 0) + 1
  end
end

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
