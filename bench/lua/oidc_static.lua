-- One fixed request, repeated: client_credentials, userinfo, introspection, discovery.
-- bench/oidc.py sets it through the environment (the URL's path is wrk's argument):
--   BENCH_METHOD  GET or POST
--   BENCH_BODY    the form body of a POST (optional)
--   BENCH_AUTH    the Authorization header's value (optional)
-- No response() callback: wrk then skips buffering bodies, which keeps the load generator's
-- share of the 2 cores small; wrk itself counts non-2xx answers, and oidc.py checks one answer
-- of each request by hand before the run. The run is bounded by wrk's -d and oidc.py's timeout.
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end
