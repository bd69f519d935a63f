-- The seed's "Custom Delay Function" and "Custom Error Predicates" configurations, used for real.
local calls = 0
local function flaky()
    calls = calls + 1
    if calls < 5 then
        return nil, "network timeout on call " .. calls
    end
    return "done after " .. calls .. " calls"
end

-- seed example --
local config = {
    max_attempts = 5,
    strategy = reliability.strategy.CUSTOM_BACKOFF,
    custom_delay = function(attempt)
        -- Custom fibonacci-like delays
        if attempt == 1 then return 1 end
        if attempt == 2 then return 1 end
        return (attempt - 1) + (attempt - 2)
    end
}
-- end of seed example --

-- Scaled down so the example runs in well under a second, and without jitter so the log shows the seed's exact
-- schedule (1, 1, 3, 5 hundredths of a second).
config.jitter = false
local seed_delay = config.custom_delay
config.custom_delay = function(attempt) return seed_delay(attempt) / 100 end
config.on_retry = function(attempt, delay, error)
    log.info("retry " .. attempt .. " after " .. delay .. "s: " .. error)
end

local result = reliability.retry_with_config(config, flaky)
assert(result == "done after 5 calls", tostring(result))

-- seed example --
-- Retry only on specific errors
local config = {
    max_attempts = 3,
    should_retry = function(error)
        -- Only retry on network errors
        return string.find(error, "network") or string.find(error, "timeout")
    end
}
-- end of seed example --

config.initial_delay = 0.01
local result, err = reliability.retry_with_config(config, function() return nil, "invalid credentials" end)
assert(result == nil and err == "retry stopped after 1 attempt: invalid credentials", tostring(err))
log.info("custom delay and predicate examples finished")
