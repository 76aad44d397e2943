-- wrk script for medeld's durable-append benchmark (tools/bench/medeld_bench.py).
--
-- Every request POSTs ONE new expense event with an id no other request of
-- the run uses: "<run>-<thread>-<n>". The run prefix comes from the
-- environment (MEDEL_BENCH_RUN) so repeated runs against the same ledger
-- never collide (a collision would be an idempotent re-send, 200, not a
-- new durable write). The bearer token comes from MEDEL_BENCH_TOKEN.
--
--   MEDEL_BENCH_RUN=r1 MEDEL_BENCH_TOKEN=… wrk -t1 -c1 -d10s \
--       -s tools/bench/medeld_append.lua http://127.0.0.1:PORT/v1/events
local run = os.getenv("MEDEL_BENCH_RUN") or tostring(os.time())
local token = os.getenv("MEDEL_BENCH_TOKEN") or ""
local threads = {}
local next_id = 0

function setup(thread)
	thread:set("tid", next_id)
	next_id = next_id + 1
	table.insert(threads, thread)
end

local n = 0
-- globals: done() reads them from each thread (thread:get)
created = 0
other = 0

function init(args)
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/json"
	wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
	n = n + 1
	local body = string.format(
		'{"type":"expense","date":"2020-07-01","grant":"ph-2020",' ..
		'"party":"malmo-asn","activity":"wrk","amount":1,' ..
		'"id":"%s-%d-%d"}', run, tid, n)
	return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
	if status == 201 then
		created = created + 1
	else
		other = other + 1
	end
end

function done(summary, latency, requests)
	local c, o = 0, 0
	for _, t in ipairs(threads) do
		c = c + t:get("created")
		o = o + t:get("other")
	end
	io.write(string.format("created=%d other=%d seconds=%.3f\n", c, o,
		summary.duration / 1e6))
end
