-- The token endpoint's refresh, chained as a relying party does it: each answer's
-- new refresh_token is the one sent next (rotation), so every connection keeps
-- using a live chain. The chains start from BENCH_REFRESH (a file, one token a line,
-- made by `openstaff bench-mint`; threads take every BENCH_THREADS-th line, at least
-- one per connection). A public client named by BENCH_CLIENT.
local n = 0
function setup(thread)
  thread:set("id", n)
  n = n + 1
end

local queue, head, tail = {}, 1, 0
local prefix
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS") or "2")
  local i = 0
  for line in io.lines(os.getenv("BENCH_REFRESH")) do
    if i % threads == id then
      tail = tail + 1
      queue[tail] = line
    end
    i = i + 1
  end
  prefix = "grant_type=refresh_token&client_id=" .. os.getenv("BENCH_CLIENT") .. "&refresh_token="
end

request = function()
  local token = "none-left"
  if head <= tail then
    token = queue[head]
    queue[head] = nil
    head = head + 1
  end
  return wrk.format("POST", "/oauth2/token", headers, prefix .. token)
end

response = function(status, hdrs, body)
  local next_token = body and body:match('"refresh_token":"([^"]+)"')
  if next_token then
    tail = tail + 1
    queue[tail] = next_token
  end
end
