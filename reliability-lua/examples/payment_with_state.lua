-- The seed's "Persistent Failure Tracking" example, unchanged below the marker.
-- The script defines the user's make_api_call: the payment API fails once, then accepts.
local api_calls = 0
function make_api_call()
    api_calls = api_calls + 1
    return api_calls > 1
end

-- seed example --
-- Track failures across task executions
local service_name = "payment_service"
local failure_key = "failures:" .. service_name

local function make_payment_call()
    local success = make_api_call()
    
    if success then
        -- Reset failure count on success
        state.set(failure_key, "0")
        return true
    else
        -- Increment failure counter
        local failures = state.increment(failure_key, 1)
        
        -- Circuit break if too many failures
        if failures >= 5 then
            return nil, "Service circuit opened - too many failures"
        end
        
        return nil, "Temporary service failure"
    end
end

-- Use with retry
local result = reliability.retry(3, 2, make_payment_call)
-- end of seed example --

assert(result == true, "payment should succeed on the second call")
assert(state.get(failure_key) == "0", "the failure count is reset")
local runs = state.increment("payment_example_runs")
log.info("payment accepted", {api_calls = api_calls, runs_so_far = runs})
