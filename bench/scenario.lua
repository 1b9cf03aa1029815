-- wrk script for the users API benchmark (bench/run.py runs it; see README "Performance").
--
--   wrk -t1 -c8 -d3s -s bench/scenario.lua URL -- MODE FIRST_ID LAST_ID PREFIX
--
-- MODE: get_one (GET /api/users/{random seeded id}/), list (GET /api/users/),
--       post (POST a user with a unique dni), mix (90% get_one, 10% post).
-- PREFIX: up to 4 characters, unique per wrk run, so that every POSTed dni is new:
--         dni = PREFIX .. thread index (1 char) .. hex counter (at most 8 chars) <= 13 chars.
--
-- wrk's own error count says nothing about which statuses came back, so response() counts
-- every status class itself; done() prints one machine-readable line for bench/run.py.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  first_id = tonumber(args[2])
  last_id = tonumber(args[3])
  prefix = args[4]
  counter = 0
  s2xx, s3xx, s4xx, s5xx, sother = 0, 0, 0, 0, 0
  math.randomseed(os.time() + tid * 7919)
  post_headers = { ["Content-Type"] = "application/json" }
end

local function get_one()
  return wrk.format("GET", "/api/users/" .. math.random(first_id, last_id) .. "/")
end

local function post()
  counter = counter + 1
  local dni = prefix .. string.format("%x", tid % 16) .. string.format("%x", counter)
  local body = '{"dni":"' .. dni .. '","name":"Bench user ' .. counter .. '"}'
  return wrk.format("POST", "/api/users/", post_headers, body)
end

function request()
  if mode == "get_one" then
    return get_one()
  elseif mode == "list" then
    return wrk.format("GET", "/api/users/")
  elseif mode == "post" then
    return post()
  elseif mode == "mix" then
    if math.random() < 0.1 then
      return post()
    end
    return get_one()
  end
  error("unknown mode " .. tostring(mode))
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    s2xx = s2xx + 1
  elseif status >= 300 and status < 400 then
    s3xx = s3xx + 1
  elseif status >= 400 and status < 500 then
    s4xx = s4xx + 1
  elseif status >= 500 and status < 600 then
    s5xx = s5xx + 1
  else
    sother = sother + 1
  end
end

function done(summary, latency, requests)
  local c = { s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0, sother = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(c) do
      c[name] = c[name] + thread:get(name)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"p50_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d,' ..
    '"status":{"2xx":%d,"3xx":%d,"4xx":%d,"5xx":%d,"other":%d},' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"wrk_status_errors":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max,
    c.s2xx, c.s3xx, c.s4xx, c.s5xx, c.sother,
    e.connect, e.read, e.write, e.timeout, e.status))
end
