-- wrk script of ingest_bench.py: posts pre-built /v1/batch bodies, each once.
--
-- Arguments (after `--` on the wrk command line): BODIES_FILE AUTHORIZATION THREADS
-- BODIES_FILE holds one JSON body per line; thread i of THREADS sends lines i, i + THREADS, ...
-- A thread that runs out of bodies stops, and the summary says so (the run is then too long for the
-- bodies: give fewer seconds or more events). The summary is one JSON line on stdout.

local threads = {}

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    local path, count = args[1], tonumber(args[3])
    headers = { ["Authorization"] = args[2], ["Content-Type"] = "application/json" }
    bodies, sent, ran_out = {}, 0, false
    local line_number = 0
    for line in io.lines(path) do
        if line_number % count == id then
            table.insert(bodies, line)
        end
        line_number = line_number + 1
    end
end

function request()
    if sent == #bodies then
        -- Nothing left to send: the thread stops, and repeats its last body meanwhile (a duplicate).
        ran_out = true
        wrk.thread:stop()
        return wrk.format("POST", "/v1/batch", headers, bodies[#bodies])
    end
    sent = sent + 1
    return wrk.format("POST", "/v1/batch", headers, bodies[sent])
end

function done(summary, latency, requests)
    local out_of_bodies = false
    for _, thread in ipairs(threads) do
        out_of_bodies = out_of_bodies or thread:get("ran_out")
    end
    local errors = summary.errors
    io.write(string.format(
        '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, "p50_us": %d, ' ..
        '"p99_us": %d, "ran_out": %s}\n',
        summary.requests, summary.duration, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
        latency:percentile(50), latency:percentile(99), tostring(out_of_bodies)))
end
