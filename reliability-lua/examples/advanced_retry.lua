-- The seed's "Advanced Retry Configuration" example, unchanged below the marker.
-- The script defines the user's own function: a service that fails twice, then answers.
local calls = 0
function call_external_service()
    calls = calls + 1
    if calls < 3 then
        return nil, "connection reset (call " .. calls .. ")"
    end
    return "payload from call " .. calls
end

-- seed example --
local config = {
    max_attempts = 5,
    initial_delay = 0.5,  -- 500ms
    max_delay = 10,       -- 10 seconds max
    strategy = reliability.strategy.EXPONENTIAL_BACKOFF,
    multiplier = 2.0,
    jitter = true,
    on_retry = function(attempt, delay, error)
        log.warn("Retry attempt " .. attempt .. " in " .. delay .. "s: " .. error)
    end
}

local result = reliability.retry_with_config(config, function()
    -- Your code here
    return call_external_service()
end)
-- end of seed example --

assert(result == "payload from call 3", "unexpected result: " .. tostring(result))
log.info("advanced retry finished", {result = result, calls = calls})
