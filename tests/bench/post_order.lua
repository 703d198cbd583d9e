-- POST /api/orders: 1-4 realistic lines for a random existing user.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
function init(args) math.randomseed(os.time() + math.random(1000)); load_ids() end
local headers = { ["Content-Type"] = "application/json" }
function request()
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
