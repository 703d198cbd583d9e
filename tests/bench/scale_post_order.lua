-- POST /api/orders: 1-4 lines for a random preloaded user, a pool of 16384
-- built up front, counted per order node and per verifying user node
-- (scripts/scale.sh).
dofile(os.getenv("BENCH_DIR") .. "/scale_common.lua")
local headers = { ["Content-Type"] = "application/json" }
local function make_order(i)
  local u = math.random(#ids)
  pool_user[i] = u
  local body = order_body(ids[u])
  return wrk.format("POST", "/api/orders", headers, body)
end
function init(args)
  math.randomseed(os.time() + math.random(1000)); load_routed_ids()
  fill_pool(16384, make_order)
end
request = routed_request
