-- POST /api/orders: 1-4 realistic lines for a random existing user; a pool
-- of 4096 such orders is built up front and sent in random order.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local headers = { ["Content-Type"] = "application/json" }
local function make_order()
  return wrk.format("POST", "/api/orders", headers, order_body())
end
function init(args)
  math.randomseed(os.time() + math.random(1000)); load_ids()
  fill_pool(4096, make_order)
end
request = pick
