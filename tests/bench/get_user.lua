-- GET /api/users/<id> over random existing users.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
function init(args) math.randomseed(os.time() + math.random(1000)); load_ids() end
function request()
  return wrk.format("GET", "/api/users/" .. random_id())
end
