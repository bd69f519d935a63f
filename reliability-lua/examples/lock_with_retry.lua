-- The seed's "Distributed Lock with Retry" example, unchanged below the marker.
-- The script defines the user's perform_critical_operation.
function perform_critical_operation()
    state.increment("critical_operations")
    return "critical work done"
end

-- seed example --
-- Combine distributed locking with retry logic
local retry_config = {
    max_attempts = 5,
    initial_delay = 0.5,
    strategy = reliability.strategy.LINEAR_BACKOFF
}

local result = reliability.retry_with_config(retry_config, function()
    -- Try to acquire distributed lock
    if not state.try_lock("critical_resource", 10) then
        return nil, "Could not acquire lock"
    end
    
    -- Do critical work
    local work_result = perform_critical_operation()
    
    -- Release lock
    state.unlock("critical_resource")
    
    return work_result
end)
-- end of seed example --

assert(result == "critical work done", tostring(result))
assert(state.try_lock("critical_resource", 10), "the lock was released")
state.unlock("critical_resource")
log.info("critical section done", {total = state.get("critical_operations")})
