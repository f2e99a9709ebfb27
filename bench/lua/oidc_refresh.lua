-- refresh_token grant with rotation: every refresh token is used once, and the refresh_token of
-- each answer is the one used next. bench/oidc.py writes a pool of fresh refresh tokens (one
-- family each, at least one per connection plus spares) to BENCH_TOKENS, one per line, and sets
--   BENCH_AUTH  the Authorization header (client_secret_basic)
--   BENCH_MAX   a cap on the responses each thread handles (the run is also bounded by -d)
-- wrk's Lua runs per thread, not per connection: each thread keeps a queue of usable tokens,
-- request() takes one, response() puts back the one the server just issued. A connection sends
-- its next request only after its answer was handled, so a thread with at least as many tokens
-- as connections never runs dry (wrk calls request() once at start-up to check it: one spare
-- per thread covers that). A failed refresh loses its chain: it shows in wrk's non-2xx count
-- and in the "lost" line this script prints.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local queue, head, tail = {}, 1, 0
local handled, max = 0, 1000000
lost = 0 -- global: done() reads it from each thread

local function push(t)
  tail = tail + 1
  queue[tail] = t
end

function init(args)
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  max = tonumber(os.getenv("BENCH_MAX") or "1000000")
  local i = 0
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    if line ~= "" then
      if i % nthreads == id then push(line) end
      i = i + 1
    end
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
end

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  local t = "exhausted"
  if head <= tail then
    t = queue[head]
    queue[head] = nil
    head = head + 1
  end
  return wrk.format(nil, nil, nil, "grant_type=refresh_token&refresh_token=" .. encode(t))
end

function response(status, headers, body)
  handled = handled + 1
  local fresh = status == 200 and body:match('"refresh_token"%s*:%s*"([^"]+)"')
  if fresh then push(fresh) else lost = lost + 1 end
  if handled >= max then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("lost") or 0) end
  io.write(string.format("lost chains: %d\n", total))
end
