-- POST a JSON body (BENCH_BODY) with optional bearer token (BENCH_TOKEN); with
-- BENCH_PATHS (space-separated) each request takes the next path in turn.
local body = os.getenv("BENCH_BODY") or ""
local token = os.getenv("BENCH_TOKEN")
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "", "%S+") do table.insert(paths, p) end
local i = 0
request = function()
  local headers = { ["Content-Type"] = "application/json" }
  if token then headers["Authorization"] = "Bearer " .. token end
  local path = wrk.path
  if #paths > 0 then i = i % #paths + 1; path = paths[i] end
  return wrk.format("POST", path, headers, body)
end
