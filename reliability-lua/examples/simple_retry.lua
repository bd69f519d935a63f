-- The seed's "Simple Retry" example, unchanged below the marker.
-- A fixed seed keeps the run short and repeatable; the seed's code itself picks random outcomes.
math.randomseed(tonumber(arg and arg[1]) or 3)

-- seed example --
-- Retry a function up to 3 times with 1 second initial delay
local result = reliability.retry(3, 1, function()
    -- Your potentially failing code here
    if math.random() > 0.7 then
        return "Success!"
    else
        return nil, "Random failure"
    end
end)

if result then
    log.info("Operation succeeded: " .. result)
else 
    log.error("All retries failed")
end
