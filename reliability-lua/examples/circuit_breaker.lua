-- The seed's "Circuit Breaker" example, unchanged below the marker, called until the breaker opens.
-- https://api.example.com is not reachable from a machine without network, so each call fails.

for call = 1, 4 do
-- seed example --
local cb_config = {
    max_failures = 3,     -- Open after 3 failures
    timeout = 30,         -- Wait 30 seconds before trying half-open
    success_threshold = 2, -- Need 2 successes to close circuit
    on_state_change = function(from_state, to_state)
        log.info("Circuit breaker: " .. from_state .. " -> " .. to_state)
    end
}

local result = reliability.circuit_breaker("external_api", cb_config, function()
    -- Call that might fail
    return http.get("https://api.example.com/data")
end)
-- end of seed example --
    log.info("call " .. call .. " returned " .. tostring(result))
end

local stats = reliability.get_circuit_stats("external_api")
assert(stats.state == "open", "expected the breaker to be open, was " .. stats.state)
log.info("external_api is open", {rejected_after_open = stats.requests < 4})
