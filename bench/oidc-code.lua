-- The token endpoint's code exchange: each request spends the next authorization
-- code of BENCH_CODES (a file, one code a line, made by `openstaff bench-mint`; the
-- threads take every BENCH_THREADS-th line, so no code is sent twice). A public
-- client: client_id, PKCE verifier BENCH_VERIFIER, redirect URI BENCH_REDIRECT.
local n = 0
function setup(thread)
  thread:set("id", n)
  n = n + 1
end

local codes, next_code = {}, 1
local prefix
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }

local function enc(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS") or "2")
  local i = 0
  for line in io.lines(os.getenv("BENCH_CODES")) do
    if i % threads == id then table.insert(codes, line) end
    i = i + 1
  end
  prefix = "grant_type=authorization_code&client_id=" .. enc(os.getenv("BENCH_CLIENT"))
    .. "&redirect_uri=" .. enc(os.getenv("BENCH_REDIRECT"))
    .. "&code_verifier=" .. enc(os.getenv("BENCH_VERIFIER")) .. "&code="
end

request = function()
  local code = codes[next_code] or "exhausted"
  next_code = next_code + 1
  return wrk.format("POST", "/oauth2/token", headers, prefix .. code)
end
