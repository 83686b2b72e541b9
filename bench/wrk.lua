-- bench/loadgen.py's wrk script: the request comes from the environment, and done() prints one
-- JSON line (prefixed BENCH_RESULT) with the counts and latency percentiles in microseconds.
--   BENCH_METHOD          GET or POST
--   BENCH_BODY            a JSON body (sent with Content-Type: application/json), or empty
--   BENCH_AUTHORIZATION   an Authorization header value, or empty
--   BENCH_REFRESH_TOKENS  rotating refresh: space-separated refresh tokens, one per session and
--                         at least one per connection; then each request sends
--                         {"refresh": <a current token>} and BENCH_BODY is not used
--   BENCH_AUTHORIZATIONS_FILE  a file of Authorization header values, one a line, or empty:
--                         each request sends the next one, round-robin (instead of
--                         BENCH_AUTHORIZATION)
--
-- Rotating refresh: a rotated refresh token cannot be sent again, so the tokens are a pool of
-- current ones. A request takes one out; its 2xx answer's "refresh" (the session's new
-- current token) goes back in. A connection has one request in flight at a time, so with more
-- sessions than connections the pool never runs dry, and each session's tokens are sent
-- strictly one after the other, as its one client would (a session's current token is either
-- in the pool or in flight, never both). More, not as many: at start-up wrk calls request()
-- once on thread 1's Lua state to check the script, and never sends that request, so the
-- token it took is lost (loadgen.py passes one session more than connections). wrk gives each
-- of its threads a Lua state of its own with its own copy of the pool: loadgen.py runs one.

wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
local authorization = os.getenv("BENCH_AUTHORIZATION") or ""
local chained_tokens = os.getenv("BENCH_REFRESH_TOKENS") or ""
if authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end

local authorizations = {}
local authorizations_file = os.getenv("BENCH_AUTHORIZATIONS_FILE") or ""
if authorizations_file ~= "" then
  for line in io.lines(authorizations_file) do
    if line ~= "" then
      table.insert(authorizations, line)
    end
  end
end
local next_authorization = 0

local pool = {}
for token in chained_tokens:gmatch("%S+") do
  table.insert(pool, token)
end
local chained = #pool > 0
if body ~= "" or chained then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

if #authorizations > 0 then
  -- Each request formatted once, here: the load generator then spends on a request no more
  -- than on the fixed one wrk sends when the script has no request().
  local requests = {}
  for index, value in ipairs(authorizations) do
    wrk.headers["Authorization"] = value
    requests[index] = wrk.format()
  end
  function request()
    next_authorization = next_authorization % #requests + 1
    return requests[next_authorization]
  end
end

if chained then
  function request()
    local token = table.remove(pool, 1)
    if token == nil then
      -- A broken chain (an error answer lost its token): send a token the server refuses, so
      -- the failure shows as non-2xx instead of stalling the connection.
      token = "no-current-refresh-token"
    end
    return wrk.format(nil, nil, nil, '{"refresh": "' .. token .. '"}')
  end
end

-- Each wrk thread has its own Lua state: keep the threads to add up their counts in done().
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  chain_errors = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif chained then
    local token = body:match('"refresh"%s*:%s*"([^"]+)"')
    if token then
      table.insert(pool, token)
    else
      chain_errors = chain_errors + 1
    end
  end
end

function done(summary, latency, requests)
  local non2xx_total = 0
  local chain_errors_total = 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
    chain_errors_total = chain_errors_total + thread:get("chain_errors")
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d, "non2xx": %d, "chain_errors": %d, '
      .. '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write,
    errors.timeout, non2xx_total, chain_errors_total, latency:percentile(50),
    latency:percentile(99)))
end
