-- Run 1 opens the breaker; run 2, a new process, finds it still open without calling fn.
local calls = 0
local config = {max_failures = 2, timeout = 60}
local function down()
    calls = calls + 1
    return nil, "service down"
end
for i = 1, 2 do
    reliability.circuit_breaker("payments_api", config, down)
end
local stats = reliability.get_circuit_stats("payments_api")
log.info("breaker after this run", {state = stats.state, fn_calls = calls})
