-- POST /api/orders: 1-4 realistic lines for a random existing user; a pool
-- of 4096 such orders is built up front and sent in random order.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local headers = { ["Content-Type"] = "application/json" }
local function make_order()
  local lines = {}
  for i = 1, math.random(4) do
    lines[i] = string.format(
      '{"productId":"sku-%d","quantity":%d,"price":%d.%02d}',
      math.random(10000), math.random(5), math.random(0, 199), math.random(0, 99))
  end
  local body = '{"userId":"' .. random_id() .. '","products":[' ..
               table.concat(lines, ",") .. ']}'
  return wrk.format("POST", "/api/orders", headers, body)
end
function init(args)
  math.randomseed(os.time() + math.random(1000)); load_ids()
  fill_pool(4096, make_order)
end
request = pick
