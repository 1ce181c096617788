-- Scenario "issue": PUT /api/v1/certificates/{id}/issue once for every pending certificate in
-- BENCH_IDS_FILE ("<certificate id> <user id>" lines); line i goes to thread (i-1) % threads,
-- so no certificate is issued twice. Each request is an update-with-start of the certificate's
-- Temporal workflow. Expects 200 with "status":"active". Needs BENCH_QUOTA_DIR (bench/run
-- stops wrk once every id has its answer) and BENCH_EXAM_DATE (not in the future).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local requests = {}

function init(_)
  bench.init_thread()
  local body = string.format('{"exam_date":"%s","exam_result":"fit"}', bench.env("BENCH_EXAM_DATE"))
  for i, row in ipairs(bench.read_rows(bench.env("BENCH_IDS_FILE"))) do
    if (i - 1) % bench.threads == tid then
      requests[#requests + 1] = wrk.format(
        "PUT", "/api/v1/certificates/" .. row[1] .. "/issue", bench.headers(true), body)
    end
  end
  quota = #requests
  if quota == 0 then
    bench.thread_done()
  end
end

function request()
  return requests[bench.take()]
end

function response(status, _, body)
  bench.record(status, status == 200 and body:find('"status":"active"', 1, true) ~= nil)
end
