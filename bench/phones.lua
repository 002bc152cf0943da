-- PUT a new mobile number on each user of BENCH_PATHS in turn (their
-- `/users/{id}/phone-methods/mobile`), bearer BENCH_TOKEN: a phone change as a
-- manager makes it. Each user gets numbers of their own (+44 7911 UUU CCC: U the
-- user's place in the list, C a counter of theirs), so no two users ever share one.
local token = os.getenv("BENCH_TOKEN")
local paths, counts = {}, {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "", "%S+") do
  table.insert(paths, p); table.insert(counts, 0)
end
local i = 0
request = function()
  i = i % #paths + 1
  counts[i] = (counts[i] + 1) % 1000
  local body = string.format('{"phone_number":"+44 7911 %03d%03d"}', i % 1000, counts[i])
  return wrk.format("PUT", paths[i], {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
