-- Increments one counter in the state N times (N is the first argument) and prints the counter's last value.
local n = tonumber(arg[1])
local last
for _ = 1, n do
  last = state.increment("cli_counter")
end
print(last)
