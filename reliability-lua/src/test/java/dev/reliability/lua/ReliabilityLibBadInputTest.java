package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every function rejects bad input with a Lua-style message naming the argument and the function. */
class ReliabilityLibBadInputTest {
    private final LuaHarness lua = new LuaHarness();

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "reliability.retry()" + " | bad argument #1 to 'retry' (number expected, got nil)",
                "reliability.retry('x', 1, print)" + " | bad argument #1 to 'retry' (number expected, got string)",
                "reliability.retry(0, 1, print)" + " | bad argument #1 to 'retry' (integer >= 1 expected, got 0)",
                "reliability.retry(2.5, 1, print)" + " | bad argument #1 to 'retry' (integer >= 1 expected, got 2.5)",
                "reliability.retry(3, nil, print)" + " | bad argument #2 to 'retry' (number expected, got nil)",
                "reliability.retry(3, -1, print)"
                        + " | bad argument #2 to 'retry' (non-negative number of seconds expected, got -1)",
                "reliability.retry(3, 0/0, print)"
                        + " | bad argument #2 to 'retry' (non-negative number of seconds expected, got nan)",
                "reliability.retry(3, 1/0, print)"
                        + " | bad argument #2 to 'retry' (non-negative number of seconds expected, got inf)",
                "reliability.retry(3, 1, 'fn')" + " | bad argument #3 to 'retry' (function expected, got string)",
                "reliability.retry_with_config(nil, print)"
                        + " | bad argument #1 to 'retry_with_config' (table expected, got nil)",
                "reliability.retry_with_config({}, nil)"
                        + " | bad argument #2 to 'retry_with_config' (function expected, got nil)",
                "reliability.retry_with_config({max_atempts = 3}, print)"
                        + " | bad argument #1 to 'retry_with_config' (unknown key 'max_atempts')",
                "reliability.retry_with_config({[1] = 3}, print)"
                        + " | bad argument #1 to 'retry_with_config' (unknown key '1')",
                "reliability.retry_with_config({max_attempts = 0}, print)"
                        + " | bad argument #1 to 'retry_with_config' ('max_attempts': integer >= 1 expected, got 0)",
                "reliability.retry_with_config({max_attempts = '3'}, print)"
                        + " | bad argument #1 to 'retry_with_config' ('max_attempts': integer >= 1 expected, got string)",
                "reliability.retry_with_config({initial_delay = -0.5}, print)"
                        + " | bad argument #1 to 'retry_with_config' ('initial_delay': non-negative number of seconds"
                        + " expected, got -0.5)",
                "reliability.retry_with_config({max_delay = 1/0}, print)"
                        + " | bad argument #1 to 'retry_with_config' ('max_delay': non-negative number of seconds"
                        + " expected, got inf)",
                "reliability.retry_with_config({initial_delay = 5, max_delay = 1}, print)"
                        + " | bad argument #1 to 'retry_with_config' ('max_delay' must be >= 'initial_delay', got 1 < 5)",
                "reliability.retry_with_config({multiplier = 0.5}, print)"
                        + " | bad argument #1 to 'retry_with_config' ('multiplier': finite number >= 1 expected, got 0.5)",
                "reliability.retry_with_config({strategy = 'random'}, print)"
                        + " | bad argument #1 to 'retry_with_config' ('strategy': one of 'fixed', 'exponential',"
                        + " 'linear', 'custom' expected, got 'random')",
                "reliability.retry_with_config({strategy = 'custom'}, print)"
                        + " | bad argument #1 to 'retry_with_config' ('custom_delay' is required with strategy"
                        + " 'custom')",
                "reliability.retry_with_config({custom_delay = print}, print)"
                        + " | bad argument #1 to 'retry_with_config' ('custom_delay' needs strategy 'custom', got"
                        + " 'exponential')",
                "reliability.retry_with_config({jitter = 2}, print)"
                        + " | bad argument #1 to 'retry_with_config' ('jitter': boolean, 'full', 'equal',"
                        + " 'decorrelated', 'none' or a factor in [0, 1] expected, got 2)",
                "reliability.retry_with_config({on_retry = 1}, print)"
                        + " | bad argument #1 to 'retry_with_config' ('on_retry': function expected, got 1)",
                "reliability.retry_with_config({retry_on_open = 'yes'}, print)"
                        + " | bad argument #1 to 'retry_with_config' ('retry_on_open': boolean expected, got string)",
                "reliability.retryable()" + " | bad argument #1 to 'retryable' (string expected, got nil)",
                "reliability.non_retryable({})" + " | bad argument #1 to 'non_retryable' (string expected, got table)",
                "log.info()" + " | bad argument #1 to 'info' (value expected, got nil)",
                "log.warn('x', 'y')" + " | bad argument #2 to 'warn' (table expected, got string)",
                "string.rep('ab', 1e8)"
                        + " | bad argument #2 to 'rep' (resulting string of 200000000 bytes exceeds the string size"
                        + " limit of 16777216 bytes)"
            })
    void badInputGivesALuaError(String call, String message) {
        assertThat(lua.error(call)).isEqualTo("test.lua:1: " + message);
    }
}
