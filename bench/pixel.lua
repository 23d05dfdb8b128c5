-- wrk script for bench/ingest.mjs: every request is a distinct, realistic pixel hit.
-- Arguments (after `--`): site id, site domain, run label (makes event ids unique across rounds),
-- and optionally "bot" to send a crawler's user agent instead (checked, then dropped).
-- Each hit gets a unique `i=` event id, a page URL on the site (some landings carry utm_* or a
-- click id), sometimes a search or social referrer, and a browser user agent.

local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

local pages = {
  "/", "/products/running-shoes", "/products/trail-shoes?color=blue&size=42", "/blog/how-to-choose-running-shoes",
  "/cart", "/checkout", "/collections/summer", "/about",
}
local landings = {
  "", "", "", "",
  "utm_source=instagram&utm_medium=social&utm_campaign=spring-sale",
  "utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=running+shoes",
  "utm_source=newsletter&utm_medium=email&utm_campaign=2026-11-w4",
  "gclid=Cj0KCQiA-abc123XYZ", "fbclid=IwAR2xyz789",
}
local referrers = { "", "", "", "https://www.google.com/", "https://l.instagram.com/", "https://news.ycombinator.com/item?id=1" }
local agents = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
}

local function encode(s)
  return (string.gsub(s, "[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  site = args[1] or "bench"
  domain = args[2] or "bench.example"
  label = args[3] or "r"
  bot = args[4] == "bot"
  sent = 0
  math.randomseed(os.time() + tid * 7919)
end

function request()
  sent = sent + 1
  local page = pages[math.random(#pages)]
  local landing = landings[math.random(#landings)]
  local u = "https://" .. domain .. page
  if landing ~= "" then
    if string.find(page, "?", 1, true) then u = u .. "&" .. landing else u = u .. "?" .. landing end
  end
  local path = "/p.gif?s=" .. site .. "&u=" .. encode(u) .. "&i=" .. label .. "-" .. tid .. "-" .. sent
  local r = referrers[math.random(#referrers)]
  if r ~= "" then path = path .. "&r=" .. encode(r) end
  local headers = {
    ["User-Agent"] = bot and "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)" or agents[math.random(#agents)],
    ["Referer"] = "https://" .. domain .. "/",
    ["Accept"] = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8",
    ["Accept-Language"] = "en-US,en;q=0.9",
  }
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local generated = 0
  for _, t in ipairs(threads) do generated = generated + t:get("sent") end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"generated":%d,"duration_us":%d,"status_errors":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, generated, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
