-- The write mix for wrk over a pool of N ACTIVE ids, in phases: pause every id, PATCH every
-- one, resume every one, PATCH every one again; and round again. With 32 connections a request
-- can be overtaken by up to about 31 later ones, so every pause and the resume of the same id
-- are 2N requests apart (38 for the 19 ACTIVE Acme runs), in both directions: with only
-- N between a resume and the next pause, that pause could land first and the following resume
-- find the run ACTIVE (a 409).
--
-- The first request of each connection can wait a long time while the server accepts the others,
-- and wrk builds one request it never sends, to check the script. So the run opens with two
-- PATCHes per connection, always a 200, and the cycle starts once the connections are answering.
--
-- Arguments (after wrk's `--`): the number of connections, the PATCH body, the pause body, then
-- the pool's ids. Headers given with -H (Authorization) go on every request.

local opening, cycle = {}, {}
local position = 0

local function headers_with(extra)
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  for name, value in pairs(extra) do
    headers[name] = value
  end
  return headers
end

function init(args)
  local connections, patch_body, pause_body = tonumber(args[1]), args[2], args[3]
  local ids = {}
  for i = 4, #args do
    table.insert(ids, args[i])
  end
  local json = { ["Content-Type"] = "application/json" }
  local function build(method, id, suffix, extra, body)
    return wrk.format(method, "/v1/sequences/" .. id .. suffix, headers_with(extra), body)
  end
  for i = 1, 2 * connections do
    table.insert(opening, build("PATCH", ids[(i - 1) % #ids + 1], "", json, patch_body))
  end
  local phases = {
    { method = "POST", suffix = "/pause", headers = json, body = pause_body },
    { method = "PATCH", suffix = "", headers = json, body = patch_body },
    { method = "POST", suffix = "/resume", headers = {} },
    { method = "PATCH", suffix = "", headers = json, body = patch_body },
  }
  for _, phase in ipairs(phases) do
    for _, id in ipairs(ids) do
      table.insert(cycle, build(phase.method, id, phase.suffix, phase.headers, phase.body))
    end
  end
end

function request()
  position = position + 1
  if position <= #opening then
    return opening[position]
  end
  return cycle[(position - #opening - 1) % #cycle + 1]
end
