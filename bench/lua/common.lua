-- Shared by every bench scenario script (loaded with dofile from each of them).
--
-- wrk runs this file in one Lua state per thread plus one for setup()/done(). Settings come
-- from the environment, which bench/run sets:
--   BENCH_TOKEN        bearer token (required)
--   BENCH_THREADS      number of wrk threads (must equal wrk -t)
--   BENCH_RATE         0: closed loop (as fast as the connections go); N > 0: pace the whole
--                      run at N requests/s (N / threads per thread), open-loop style up to the
--                      number of connections in flight
--   BENCH_QUOTA_DIR    set by scenarios that send a fixed number of requests: each thread
--                      touches <dir>/done-<tid> once it has all its answers, and bench/run
--                      then ends wrk with SIGINT
-- Every response is checked: its status must be the scenario's expected one (and its body may
-- be checked too); anything else counts as "bad", non-2xx statuses also as "non2xx".

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")

bench = {}

function bench.env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then
    if default == nil then
      error("environment variable " .. name .. " is required")
    end
    return default
  end
  return v
end

function bench.now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local function hex(n, width)
  return string.format("%0" .. width .. "x", math.random(0, 16 ^ width - 1))
end

-- A random version-4 UUID (8-4-4-4-12 lower-case hex).
function bench.uuid4()
  return hex(4, 4) .. hex(4, 4) .. "-" .. hex(4, 4) .. "-4" .. hex(3, 3) .. "-"
    .. string.format("%x", 8 + math.random(0, 3)) .. hex(3, 3) .. "-"
    .. hex(4, 4) .. hex(4, 4) .. hex(4, 4)
end

-- Reads a whitespace-separated file into a list of rows (lists of fields).
function bench.read_rows(path)
  local rows = {}
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    local row = {}
    for field in line:gmatch("%S+") do
      row[#row + 1] = field
    end
    if #row > 0 then
      rows[#rows + 1] = row
    end
  end
  f:close()
  return rows
end

bench.threads = tonumber(bench.env("BENCH_THREADS", "1"))
bench.token = bench.env("BENCH_TOKEN")
bench.rate = tonumber(bench.env("BENCH_RATE", "0"))
bench.quota_dir = os.getenv("BENCH_QUOTA_DIR")
if bench.quota_dir == "" then
  bench.quota_dir = nil
end

-- Headers for wrk.format(), which uses the table it is given instead of wrk.headers (Host
-- excepted).
function bench.headers(with_body)
  local h = { ["Authorization"] = "Bearer " .. bench.token, ["Accept"] = "application/json" }
  if with_body then
    h["Content-Type"] = "application/json"
  end
  return h
end

bench.TYPES = {
  "general_health", "occupational_health", "food_handler", "healthcare_worker",
  "childcare_worker", "fitness_to_work", "driving_medical", "aviation_medical",
}

-- Per-thread state (the threads' copies are read back in done()).
tid = 0 -- set by setup()
statuses = {} -- status code (as a string) -> count
bad = 0 -- responses that are not what the scenario expects
non2xx = 0
answered = 0 -- responses received
quota = nil -- requests this thread must send (quota scenarios), set by the scenario's init
reserved = 0 -- requests this thread has committed to send (quota scenarios)
slots = {} -- reserved request indexes not built yet, oldest first (quota scenarios)

-- setup()/done() state.
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

-- Marks this thread finished (quota scenarios); bench/run ends wrk once every thread has.
function bench.thread_done()
  local f = io.open(bench.quota_dir .. "/done-" .. tid, "w")
  if f then
    f:write(answered, "\n")
    f:close()
  end
end

-- Called by each thread's init(): seeds the thread's random numbers.
function bench.init_thread()
  math.randomseed(os.time() * 1000 + tid * 7919 + math.floor(bench.now_ms() % 1000))
  for _ = 1, 10 do
    math.random()
  end
end

local pace_next = nil -- time (ms) of this thread's next scheduled send
local FAR = 3600 * 1000 -- "never" for delay(): the thread stops long before

-- delay() is defined when the run is paced or sends a fixed number of requests. wrk calls it
-- before every request it sends; the latency it measures starts when the request is written,
-- after the delay.
--
-- Fixed count: delay() hands out the request indexes 1..quota (bench.take() in request() gets
-- them in order); a connection that finds none left waits "forever", and the thread stops when
-- its last answer arrives. wrk 4.1 also calls request() once per thread before the run and
-- throws that request away, which is why the counting happens here rather than in request().
if bench.rate > 0 or bench.quota_dir then
  function delay()
    if quota then
      if reserved >= quota then
        return FAR
      end
      reserved = reserved + 1
      slots[#slots + 1] = reserved
    end
    if bench.rate <= 0 then
      return 0
    end
    local now = bench.now_ms()
    local interval = 1000 * bench.threads / bench.rate
    if pace_next == nil then
      -- stagger the threads' first sends over one interval
      pace_next = now + interval * tid / bench.threads
    end
    local wait = pace_next - now
    pace_next = math.max(pace_next, now - interval) + interval
    if wait <= 0 then
      return 0
    end
    return math.floor(wait + 0.5)
  end
end

-- Fixed count: the index (1..quota) of the request to build now, the oldest one delay() has
-- reserved. With none reserved (the request wrk builds and discards before the run) it returns
-- 1 without using it up.
function bench.take()
  if #slots == 0 then
    return 1
  end
  return table.remove(slots, 1)
end

-- The scenario's response() calls this with whether the answer is the expected one.
function bench.record(status, ok)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
  if not ok then
    bad = bad + 1
  end
  answered = answered + 1
  if quota and answered >= quota then
    bench.thread_done()
    wrk.thread:stop()
  end
end

function done(summary, latency, _)
  local all, total_bad, total_non2xx = {}, 0, 0
  for _, t in ipairs(threads) do
    total_bad = total_bad + (t:get("bad") or 0)
    total_non2xx = total_non2xx + (t:get("non2xx") or 0)
    for k, v in pairs(t:get("statuses") or {}) do
      all[k] = (all[k] or 0) + v
    end
  end
  local keys = {}
  for k in pairs(all) do
    keys[#keys + 1] = k
  end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    parts[#parts + 1] = k .. ":" .. all[k]
  end
  local function ms(us)
    return string.format("%.2f", us / 1000)
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_s=%.2f rps=%.2f mean_ms=%s p50_ms=%s p75_ms=%s p90_ms=%s"
      .. " p95_ms=%s p99_ms=%s p999_ms=%s max_ms=%s non2xx=%d bad=%d connect_errors=%d"
      .. " read_errors=%d write_errors=%d timeouts=%d statuses=%s\n",
    summary.requests, secs, summary.requests / secs, ms(latency.mean),
    ms(latency:percentile(50)), ms(latency:percentile(75)), ms(latency:percentile(90)),
    ms(latency:percentile(95)), ms(latency:percentile(99)), ms(latency:percentile(99.9)),
    ms(latency.max), total_non2xx, total_bad, e.connect, e.read, e.write, e.timeout,
    #parts > 0 and table.concat(parts, ",") or "none"))
end
