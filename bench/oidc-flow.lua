-- A full authorization as a browser and relying party do it, one flow after another
-- on each connection (run with as many threads as connections): the hosted sign-in
-- page (GET BENCH_AUTHORIZE, no session cookie), the password (POST /oauth2/sign-in
-- with the page's hidden fields and CSRF cookie), and the code exchange (POST
-- /oauth2/token, public client BENCH_CLIENT, PKCE verifier BENCH_VERIFIER). Reports
-- completed flows per second and each flow's latency (ms), page to tokens.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local function enc(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local step, started = 1, 0
local csrf_cookie, request_id, csrf, code
flows, failures, times = 0, 0, {}
local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }
local authorize, client, verifier, redirect, credentials

function init(args)
  authorize = os.getenv("BENCH_AUTHORIZE")
  client = os.getenv("BENCH_CLIENT")
  verifier = os.getenv("BENCH_VERIFIER")
  redirect = os.getenv("BENCH_REDIRECT")
  credentials = "&username=" .. enc(os.getenv("BENCH_UPN")) .. "&password=" .. enc(os.getenv("BENCH_PASSWORD"))
end

request = function()
  if step == 1 then
    started = now_us()
    return wrk.format("GET", authorize, {})
  elseif step == 2 then
    return wrk.format("POST", "/oauth2/sign-in",
      { ["Content-Type"] = form["Content-Type"], ["Cookie"] = "openstaff_csrf=" .. csrf_cookie },
      "request=" .. enc(request_id) .. "&csrf=" .. enc(csrf) .. credentials)
  else
    return wrk.format("POST", "/oauth2/token", form,
      "grant_type=authorization_code&client_id=" .. client .. "&redirect_uri=" .. enc(redirect)
      .. "&code_verifier=" .. verifier .. "&code=" .. enc(code))
  end
end

local function header(hdrs, name)
  return hdrs[name] or hdrs[name:gsub("^%l", string.upper):gsub("%-%l", string.upper)]
end

local function unescape(s)
  return (s:gsub("&amp;", "&"):gsub("&quot;", '"'):gsub("&#39;", "'"):gsub("&lt;", "<"):gsub("&gt;", ">"))
end

local function fail()
  failures = failures + 1
  step = 1
end

response = function(status, hdrs, body)
  if step == 1 then
    local cookie = header(hdrs, "set-cookie")
    csrf_cookie = cookie and cookie:match("openstaff_csrf=([^;]+)")
    request_id = body and body:match('name="request" value="([^"]*)"')
    csrf = body and body:match('name="csrf" value="([^"]*)"')
    if status ~= 200 or not csrf_cookie or not request_id or not csrf then return fail() end
    request_id, csrf = unescape(request_id), unescape(csrf)
    step = 2
  elseif step == 2 then
    local loc = header(hdrs, "location")
    code = loc and loc:match("[?&]code=([^&]+)")
    if status ~= 303 or not code then return fail() end
    code = code:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
    step = 3
  else
    if status ~= 200 or not body:find('"id_token"', 1, true) then return fail() end
    flows = flows + 1
    times[#times + 1] = (now_us() - started) / 1000
    step = 1
  end
end

done = function(summary, latency, requests)
  local all, total, failed = {}, 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("flows")
    failed = failed + t:get("failures")
    for _, v in ipairs(t:get("times")) do all[#all + 1] = v end
  end
  table.sort(all)
  local function pct(p)
    if #all == 0 then return 0 end
    return all[math.max(1, math.ceil(#all * p / 100))]
  end
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT rps=%.1f p50=%.2f p95=%.2f p99=%.2f errors=%d non2xx=%d\n",
    total / secs, pct(50), pct(95), pct(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    failed))
end
