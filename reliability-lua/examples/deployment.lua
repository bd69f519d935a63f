-- The seed's "Combine Multiple Patterns" deployment example, unchanged below the marker.
-- The script defines the user's execute_deployment_step. The seed's loop reads a global step_index it never
-- sets, so the step function records which step it is running; "deploy" fails once to show the retry.
local order = {validate = 1, backup = 2, deploy = 3, verify = 4}
local deploy_attempts = 0
state.delete("deployment_log")

function execute_deployment_step(step)
    step_index = order[step]
    if step == "deploy" then
        deploy_attempts = deploy_attempts + 1
        if deploy_attempts == 1 then
            return nil, "artifact upload interrupted"
        end
    end
    return step .. " ok"
end

-- seed example --
-- Deployment with circuit breaker, retry, and state tracking
local deployment_steps = {"validate", "backup", "deploy", "verify"}

for _, step in ipairs(deployment_steps) do
    local step_result = reliability.retry_with_config({
        max_attempts = 3,
        initial_delay = 1,
        strategy = reliability.strategy.EXPONENTIAL_BACKOFF,
        on_retry = function(attempt, delay, error)
            state.append("deployment_log", 
                step .. " retry " .. attempt .. ": " .. error, "\n")
        end
    }, function()
        return reliability.circuit_breaker("deployment_service", {
            max_failures = 2,
            timeout = 30,
            on_state_change = function(from, to)
                state.set("deployment_cb_state", to)
            end
        }, function()
            return execute_deployment_step(step)
        end)
    end)
    
    if not step_result then
        state.set("deployment_status", "failed_at_" .. step)
        return false, "Deployment failed at: " .. step
    end
    
    -- Update progress
    local progress = math.floor((step_index / #deployment_steps) * 100)
    state.set("deployment_progress", progress)
end

state.set("deployment_status", "completed")
-- end of seed example --

assert(state.get("deployment_status") == "completed")
assert(state.get("deployment_progress") == 100)
assert(state.get("deployment_log") == "deploy retry 1: artifact upload interrupted", state.get("deployment_log"))
log.info("deployment completed", {log = state.get("deployment_log")})
