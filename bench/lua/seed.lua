-- Seeding (not measured for the targets): creates exactly BENCH_SEED_COUNT certificates over
-- BENCH_SEED_USERS holders whose ids are BENCH_SEED_PREFIX followed by 12 hex digits, the eight
-- types in turn, and writes "<certificate id> <user id>" per created certificate to
-- BENCH_OUT_DIR/seed-<thread>.txt. Needs BENCH_QUOTA_DIR (bench/run stops wrk when done).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local PATH = "/api/v1/certificates"
local AUTHORITY = "Dubai Health Authority"
local count = tonumber(bench.env("BENCH_SEED_COUNT"))
local users = tonumber(bench.env("BENCH_SEED_USERS"))
local prefix = bench.env("BENCH_SEED_PREFIX") -- "xxxxxxxx-xxxx-4xxx-8xxx-"
local out_dir = bench.env("BENCH_OUT_DIR")
local out = nil

function init(_)
  bench.init_thread()
  -- certificate i (0-based) belongs to thread i % threads
  quota = 0
  if tid < count then
    quota = math.floor((count - tid - 1) / bench.threads) + 1
  end
  out = assert(io.open(out_dir .. "/seed-" .. tid .. ".txt", "w"))
  if quota == 0 then
    bench.thread_done()
  end
end

function request()
  local i = tid + (bench.take() - 1) * bench.threads
  local body = string.format(
    '{"user_id":"%s%012x","certificate_type":"%s","issuing_authority":"%s"}',
    prefix, i % users, bench.TYPES[i % #bench.TYPES + 1], AUTHORITY)
  return wrk.format("POST", PATH, bench.headers(true), body)
end

function response(status, _, body)
  local id = body:match('"id":"([%x%-]+)"')
  local user = body:match('"user_id":"([%x%-]+)"')
  local ok = status == 201 and id ~= nil and user ~= nil
  if ok then
    out:write(id, " ", user, "\n")
    out:flush()
  end
  bench.record(status, ok)
end
