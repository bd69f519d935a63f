-- The seed's "Health Check with Backoff" example, unchanged below the marker.
-- It expects a service answering on http://localhost:8080/health.

-- seed example --
-- Health check with exponential backoff
local health_config = {
    max_attempts = 10,
    initial_delay = 1,
    max_delay = 60,
    strategy = reliability.strategy.EXPONENTIAL_BACKOFF,
    multiplier = 1.5,
    jitter = true
}

local health_status = reliability.retry_with_config(health_config, function()
    local response = http.get("http://localhost:8080/health")
    
    if response.status == 200 then
        return response.body
    else
        return nil, "Health check failed: " .. response.status
    end
end)
-- end of seed example --

if health_status then
    log.info("service healthy", {body = health_status})
else
    error("service never became healthy")
end
