-- POST /api/users with unique names: a random run prefix plus a counter.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local headers = { ["Content-Type"] = "application/json" }
local prefix, n
function init(args)
  math.randomseed(os.time() + math.random(100000))
  prefix = string.format("b%x", math.random(0, 0x7fffffff))
  n = 0
end
function request()
  n = n + 1
  local name = prefix .. "_" .. n
  return wrk.format("POST", "/api/users", headers,
    '{"username":"' .. name .. '","email":"' .. name ..
    '@bench.example.com","password":"bench-password-1"}')
end
