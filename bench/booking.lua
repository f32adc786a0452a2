-- wrk's side of bench/booking.py: POST /api/v1/bookings in pairs, as two clients of one lot would.
-- Each pair asks for the same 30-minute slot of one lot, 25 spaces each (25 + 25 > 40): one is
-- placed, the other refused. Each wrk thread works its own lots, so pairs never overlap across
-- threads. Arguments (after --): tokens (comma-separated), the first slot's epoch seconds in UTC
-- (a local midnight), the zone's offset in seconds, then each lot's first slot number.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  tokens = {}
  for token in string.gmatch(args[1], "[^,]+") do table.insert(tokens, token) end
  epoch, offset = tonumber(args[2]), tonumber(args[3])
  first = {}
  for n = 4, #args do first[n - 4] = tonumber(args[n]) end
  lots = {}
  for lot = 0, #args - 4 do
    if lot % 2 == id - 1 then table.insert(lots, lot) end
  end
  sign = offset >= 0 and "+" or "-"
  zone = string.format("%s%02d:%02d", sign, math.floor(math.abs(offset) / 3600), math.floor((math.abs(offset) % 3600) / 60))
  sent, placed, refused, errors = 0, 0, 0, 0
  wrk.method = "POST"
end

local function at(k)
  return os.date("!%Y-%m-%dT%H:%M:%S", epoch + offset + 1800 * k) .. zone
end

function request()
  local pair = math.floor(sent / 2)
  local lot = lots[pair % #lots + 1]
  local k = first[lot] + math.floor(pair / #lots)
  local body = string.format(
    '{"resource": "B-S-01-P%d", "start": "%s", "end": "%s", "quantity": 25}', lot, at(k), at(k + 1)
  )
  -- Headers given here replace wrk.headers: the content type goes along.
  local headers = {["Authorization"] = "Bearer " .. tokens[sent % #tokens + 1], ["Content-Type"] = "application/json"}
  sent = sent + 1
  return wrk.format(nil, "/api/v1/bookings", headers, body)
end

function response(status, headers, body)
  if status == 201 then placed = placed + 1
  elseif status == 409 then refused = refused + 1
  else errors = errors + 1 end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local lots_of, sent_of = thread:get("lots"), thread:get("sent")
    io.write(string.format("COUNTS %d %d %d\n", thread:get("placed"), thread:get("refused"), thread:get("errors")))
    for i, lot in ipairs(lots_of) do
            local pairs = math.floor(sent_of / 2)
      local reached = math.floor(pairs / #lots_of) + ((pairs % #lots_of) >= i and 1 or 0)
      io.write(string.format("SLOTS %d %d\n", lot, thread:get("first")[lot] + reached))
    end
  end
end
