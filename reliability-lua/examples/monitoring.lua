-- The seed's "Monitoring Circuit State" and "Metrics Collection" examples, unchanged below the markers.
-- The script first gives the breakers some traffic and defines the user's calculate_success_rate.
for i = 1, 4 do
    reliability.circuit_breaker("my_service", {max_failures = 5}, function()
        if i == 2 then return nil, "one failure" end
        return "ok " .. i
    end)
end
reliability.circuit_breaker("service_name", {}, function() return true end)
state.set("service_failures", "2")
function calculate_success_rate()
    local s = reliability.get_circuit_stats("service_name")
    return s.total_success / s.requests * 100
end

-- seed example --
-- Get current statistics
local stats = reliability.get_circuit_stats("my_service")
if stats then
    log.info("Circuit state: " .. stats.state)
    log.info("Total requests: " .. stats.requests)
    log.info("Success rate: " .. (stats.total_success / stats.requests * 100) .. "%")
end

-- List all circuit breakers
local circuits = reliability.list_circuits()
for _, name in ipairs(circuits) do
    log.info("Circuit: " .. name)
end

-- Reset circuit breaker
reliability.reset_circuit("my_service")
-- end of seed example --

-- seed example --
-- Circuit breaker metrics
local cb_stats = reliability.get_circuit_stats("service_name")
-- Returns: requests, total_success, total_failures, consecutive_success, 
--          consecutive_failures, state, last_success_time, last_failure_time

-- State-based metrics
local failure_count = tonumber(state.get("service_failures", "0"))
local success_rate = calculate_success_rate()

-- Log metrics
log.info("Service metrics", {
    circuit_state = cb_stats.state,
    failure_count = failure_count,
    success_rate = success_rate
})
-- end of seed example --

assert(stats.requests >= 4 and stats.total_failures >= 1, "my_service saw its traffic")
assert(failure_count == 2 and success_rate == 100, "metrics as recorded")
