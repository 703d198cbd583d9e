-- POST /api/orders as post_order.lua, each request formatted when sent with
-- a header that is unique to it: `Idempotency-Key` when BENCH_KEYED=1, else
-- `X-Bench-Seq` (ignored by the edge), so that both runs cost wrk the same
-- and differ only in what the edge and the order node do with the key.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local header = os.getenv("BENCH_KEYED") == "1" and "Idempotency-Key" or "X-Bench-Seq"
local bodies = {}
local prefix
local n = 0
function init(args)
  math.randomseed(os.time() + math.random(1000)); load_ids()
  fill_pool(4096, function() return order_body() end)
  bodies = pool
  -- Unique across runs and rounds: the time, a random part, a counter.
  prefix = string.format("bench-%d-%06d-", os.time(), math.random(999999))
end
function request()
  n = n + 1
  local headers = { ["Content-Type"] = "application/json", [header] = prefix .. n }
  return wrk.format("POST", "/api/orders", headers, bodies[math.random(#bodies)])
end
