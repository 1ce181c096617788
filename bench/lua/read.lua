-- Scenario "read": GETs over seeded certificates, picked at random. BENCH_IDS_FILE holds
-- "<certificate id> <user id>" lines; BENCH_READ_MODE is
--   id    GET /api/v1/certificates/{id}
--   user  GET /api/v1/certificates/user/{user_id}  (a holder's list)
--   mix   each request one of the two at random (half and half)
-- Expects 200 with a certificate (id) or a non-empty list (user).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local mode = bench.env("BENCH_READ_MODE", "id")
local by_id, by_user = {}, {}

function init(_)
  bench.init_thread()
  local seen = {}
  for _, row in ipairs(bench.read_rows(bench.env("BENCH_IDS_FILE"))) do
    by_id[#by_id + 1] = wrk.format("GET", "/api/v1/certificates/" .. row[1], bench.headers(false))
    if not seen[row[2]] then
      seen[row[2]] = true
      by_user[#by_user + 1] =
        wrk.format("GET", "/api/v1/certificates/user/" .. row[2], bench.headers(false))
    end
  end
  assert(#by_id > 0, "no seeded certificates in " .. bench.env("BENCH_IDS_FILE"))
end

function request()
  if mode == "user" or (mode == "mix" and math.random() < 0.5) then
    return by_user[math.random(#by_user)]
  end
  return by_id[math.random(#by_id)]
end

function response(status, _, body)
  bench.record(status, status == 200 and body:find('"id":"', 1, true) ~= nil)
end
