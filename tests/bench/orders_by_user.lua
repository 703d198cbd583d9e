-- GET /api/orders?userId=<id> over random existing users (about 10 orders each).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
function init(args) math.randomseed(os.time() + math.random(1000)); load_ids() end
function request()
  return wrk.format("GET", "/api/orders?userId=" .. random_id())
end
