-- wrk script for bench/items-page.sh: the same /Items page request, but from a random
-- StartIndex in [0, BENCH_ITEMS) each time, so that almost no request finds where its page
-- starts remembered from an earlier one (the server then walks the index up to StartIndex).

local count = tonumber(os.getenv("BENCH_ITEMS") or "50000")

function init(args)
   math.randomseed(os.time())
end

function request()
   local start = math.random(0, count - 1)
   local path = wrk.path:gsub("StartIndex=%d+", "StartIndex=" .. start)
   return wrk.format(nil, path)
end
