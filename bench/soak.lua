-- Mixed read/write load for `make soak`: readers browse, a member posts replies and edits three
-- articles that link to each other (each edit different: a random number ends its text).
-- Paths and the member's cookie come from the environment (set by bench/soak.py).
local paths = {}
for p in string.gmatch(os.getenv("SOAK_PATHS") or "/", "[^ ]+") do table.insert(paths, p) end
local cookie = os.getenv("SOAK_COOKIE") or ""
local reply_path = os.getenv("SOAK_REPLY_PATH") or "/"
local reply_body = os.getenv("SOAK_REPLY_BODY") or ""
local edit_paths, edit_forms = {}, {}
for p in string.gmatch(os.getenv("SOAK_EDIT_PATHS") or "", "[^ ]+") do table.insert(edit_paths, p) end
for f in string.gmatch(os.getenv("SOAK_EDIT_FORMS") or "", "[^\n]+") do table.insert(edit_forms, f) end
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
  edits = 0
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local r = math.random()
  local form = {["Cookie"] = cookie, ["Content-Type"] = "application/x-www-form-urlencoded"}
  if r < 0.05 then
    return wrk.format("POST", reply_path, form, reply_body)
  elseif r < 0.10 and #edit_paths > 0 then
    local n = math.random(#edit_paths)
    edits = edits + 1
    return wrk.format("POST", edit_paths[n], form, edit_forms[n] .. math.random(1000000000) .. ".")
  elseif r < 0.25 then
    return wrk.format("GET", paths[math.random(#paths)], {["Cookie"] = cookie})
  end
  return wrk.format("GET", paths[math.random(#paths)])
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total, sent = {}, 0
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for status, n in pairs(c) do total[status] = (total[status] or 0) + n end
    sent = sent + thread:get("edits")
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, '"' .. status .. '": ' .. n) end
  io.write("STATUS {" .. table.concat(parts, ", ") .. "}\n")
  io.write(string.format("P99 %.2f\n", latency:percentile(99) / 1000))
  io.write(string.format("P50 %.2f\n", latency:percentile(50) / 1000))
  io.write(string.format("REQUESTS %d\n", summary.requests))
  io.write(string.format("EDITS %d\n", sent))
end
