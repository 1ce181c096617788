-- Scenario "create": POST /api/v1/certificates, a new random holder (user_id) per request,
-- the eight certificate types in turn. Expects 201 with "status":"pending".
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local PATH = "/api/v1/certificates"
local AUTHORITY = "Dubai Health Authority"
local n = 0

function init(_)
  bench.init_thread()
end

function request()
  n = n + 1
  local body = string.format(
    '{"user_id":"%s","certificate_type":"%s","issuing_authority":"%s"}',
    bench.uuid4(), bench.TYPES[(n + tid) % #bench.TYPES + 1], AUTHORITY)
  return wrk.format("POST", PATH, bench.headers(true), body)
end

function response(status, _, body)
  bench.record(status, status == 201 and body:find('"status":"pending"', 1, true) ~= nil)
end
