-- GET /api/users/<id> over random preloaded users, counted per user node
-- (scripts/scale.sh).
dofile(os.getenv("BENCH_DIR") .. "/scale_common.lua")
function init(args)
  math.randomseed(os.time() + math.random(1000)); load_routed_ids()
  fill_pool(#ids, function(i)
    pool_user[i] = i
    return wrk.format("GET", "/api/users/" .. ids[i])
  end)
end
request = routed_request
