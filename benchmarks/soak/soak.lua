-- wrk script for scripts/soak: rotates the Host header over the soak's sites and counts statuses.
--   wrk ... -s soak.lua URL -- SITES MODE [DELAY_MS]
-- MODE: keepalive | plain (Connection: close) | post (4 KiB bodies). DELAY_MS: pause before each
-- request on a connection (a soak is not a benchmark: it leaves CPU to the proxy's other work).
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  sites = tonumber(args[1]) or 1000
  mode = args[2] or "keepalive"
  delay_ms = tonumber(args[3]) or 0
  statuses = {}
  math.randomseed(os.time() * 1000 + id)
  body = string.rep("x", 4096)
end

function delay()
  return delay_ms
end

function request()
  local host = "site-" .. math.random(0, sites - 1) .. ".soak.test"
  local headers = { ["Host"] = host, ["User-Agent"] = "soak-" .. mode }
  if mode == "plain" then
    headers["Connection"] = "close"
  end
  if mode == "post" then
    headers["Content-Type"] = "application/octet-stream"
    return wrk.format("POST", "/upload", headers, body)
  end
  local path = "/"
  if math.random(10) == 1 then
    path = "/static/64k.bin"
  end
  return wrk.format("GET", path, headers, nil)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do
      all[k] = (all[k] or 0) + v
    end
  end
  for k, v in pairs(all) do
    io.write(string.format("STATUS %d %d\n", k, v))
  end
  local e = summary.errors
  io.write(string.format("ERRORS connect=%d read=%d write=%d timeout=%d status=%d\n",
    e.connect, e.read, e.write, e.timeout, e.status))
  io.write(string.format("REQUESTS %d DURATION_US %d\n", summary.requests, summary.duration))
  for _, p in ipairs({ 50, 99 }) do
    io.write(string.format("LATENCY p%d %d\n", p, latency:percentile(p)))
  end
end
