-- A manager's reset of synced users, written back to Active Directory: each request
-- resets the next of BENCH_PATHS (space-separated reset-password paths) to a fresh
-- password the domain accepts, with the manager's bearer token (BENCH_TOKEN).
local token = os.getenv("BENCH_TOKEN")
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "", "%S+") do table.insert(paths, p) end
local i = 0
local n = 0
request = function()
  i = i % #paths + 1
  n = n + 1
  local body = string.format('{"password":"Bench-Reset-%d-%d-Kx"}', n, math.random(100000, 999999))
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }
  return wrk.format("POST", paths[i], headers, body)
end
