-- GET /healthz: the edge answering alone (the ceiling).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
wrk.path = "/healthz"
