-- wrk script: random 1 MiB byte ranges of one file, as a seeking player asks for them.
-- Environment: BENCH_FILE_SIZE (bytes), BENCH_PATH (URL path), BENCH_AUTH (Authorization value,
-- optional). Prints one machine-readable line at the end for bench/range-read.sh.

local size = tonumber(os.getenv("BENCH_FILE_SIZE"))
local path = os.getenv("BENCH_PATH")
local auth = os.getenv("BENCH_AUTH")
local chunk = 1024 * 1024

local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
end

function init(args)
   math.randomseed(os.time() * 1000 + id)
end

function request()
   local first = math.random(0, size - chunk)
   local headers = { ["Range"] = string.format("bytes=%d-%d", first, first + chunk - 1) }
   if auth and auth ~= "" then
      headers["Authorization"] = auth
   end
   return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d bytes=%d duration_us=%d errors=%d p50_ms=%.2f p99_ms=%.2f\n",
      summary.requests, summary.bytes, summary.duration,
      e.connect + e.read + e.write + e.status + e.timeout,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
