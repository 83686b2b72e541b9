-- bench/harness.py's wrk script: the request comes from the environment, and done() prints one
-- JSON line (prefixed BENCH_RESULT) with the counts and latency percentiles in microseconds.
--   BENCH_METHOD         GET or POST
--   BENCH_BODY           a JSON body (sent with Content-Type: application/json), or empty
--   BENCH_AUTHORIZATION  an Authorization header value, or empty

wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
if body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
local authorization = os.getenv("BENCH_AUTHORIZATION") or ""
if authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end

-- Each wrk thread has its own Lua state: keep the threads to add up their counts in done().
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total = 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d, "non2xx": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write,
    errors.timeout, non2xx_total, latency:percentile(50), latency:percentile(99)))
end
