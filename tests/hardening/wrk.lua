-- wrk.lua: wrk script for the load rows (hardening row 5)
-- With BV_IMAGE set, every request POSTs that file to /api/analyze as
-- multipart/form-data (field "image"); without it, wrk GETs the URL given.
-- done() prints one parseable line:
--   hd: requests N errors E non2xx S rps R p50_ms A p99_ms B
local path = os.getenv("BV_IMAGE")
if path and path ~= "" then
	local f = assert(io.open(path, "rb"))
	local img = f:read("*a")
	f:close()
	local b = "wrkHardeningBoundary5d1c"
	wrk.method = "POST"
	wrk.path = "/api/analyze"
	wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. b
	wrk.body = "--" .. b .. "\r\n" ..
	    "Content-Disposition: form-data; name=\"image\"; filename=\"x.jpg\"\r\n" ..
	    "Content-Type: image/jpeg\r\n\r\n" .. img .. "\r\n--" .. b .. "--\r\n"
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
	    "hd: requests %d errors %d non2xx %d rps %.2f p50_ms %.1f p99_ms %.1f\n",
	    summary.requests, e.connect + e.read + e.write + e.timeout, e.status,
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
