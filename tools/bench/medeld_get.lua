-- wrk script for medeld's read benchmark (tools/bench/medeld_bench.py).
--
-- Sends the bearer token from MEDEL_BENCH_TOKEN (kept out of the process
-- list) and counts non-200 answers so a misconfigured run shows.
-- With MEDEL_BENCH_VARY=1 every request adds a different as_of to the
-- URL, cycling through 3 696 dates in 2030-2040 — all after the ledger's
-- last event, so every answer has the same rows and size — and medeld's
-- answer cache, which holds 256 answers, never hits: that measures
-- building every answer from LMDB.
local token = os.getenv("MEDEL_BENCH_TOKEN")
local vary = os.getenv("MEDEL_BENCH_VARY") == "1"
local threads = {}
bad = 0 -- a global: done() reads it from each thread (thread:get)
local n = 0

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	if token then
		wrk.headers["Authorization"] = "Bearer " .. token
	end
end

function request()
	if not vary then
		return wrk.format(nil, nil)
	end
	n = n + 1
	local i = n % 3696
	local day = string.format("%04d-%02d-%02d", 2030 + math.floor(i / 336),
		math.floor(i / 28) % 12 + 1, i % 28 + 1)
	return wrk.format(nil, wrk.path .. "&as_of=" .. day)
end

function response(status, headers, body)
	if status ~= 200 then
		bad = bad + 1
	end
end

function done(summary, latency, requests)
	local b = 0
	for _, t in ipairs(threads) do
		b = b + t:get("bad")
	end
	io.write(string.format("non200=%d\n", b))
end
