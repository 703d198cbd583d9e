-- GET /api/users/<id> over random existing users.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
function init(args)
  math.randomseed(os.time() + math.random(1000)); load_ids()
  fill_pool(#ids, function(i) return wrk.format("GET", "/api/users/" .. ids[i]) end)
end
request = pick
