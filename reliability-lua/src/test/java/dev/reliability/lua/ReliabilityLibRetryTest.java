package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.luaj.vm2.Varargs;

class ReliabilityLibRetryTest {
    private final LuaHarness lua = new LuaHarness();

    /** A Lua function that fails {@code failures} times, then returns its results. */
    private static final String FLAKY = """
            local calls = 0
            local function flaky(failures, ...)
                local results = {...}
                return function()
                    calls = calls + 1
                    if calls <= failures then return nil, "failure " .. calls end
                    return table.unpack(results)
                end
            end
            """;

    @Test
    void returnsAllOfFnsResultsOnSuccess() {
        Varargs result = lua.run(FLAKY + "return reliability.retry(3, 1, flaky(2, 'ok', 42, true))");

        assertThat(result.narg()).isEqualTo(3);
        assertThat(result.tojstring(1)).isEqualTo("ok");
        assertThat(result.toint(2)).isEqualTo(42);
        assertThat(result.toboolean(3)).isTrue();
    }

    @Test
    void theSimpleFormWaitsWithEqualJitterFromTheInitialDelay() {
        lua.run(FLAKY + "return reliability.retry(3, 1, flaky(2, 'ok'))");

        assertThat(lua.time.sleeps()).hasSize(2);
        assertThat(lua.time.sleeps().get(0)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
        assertThat(lua.time.sleeps().get(1)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "FIXED_DELAY         | 0.5,0.5,0.5,0.5",
                "EXPONENTIAL_BACKOFF | 0.5,1,2,4",
                "LINEAR_BACKOFF      | 0.5,1,1.5,2",
                "fixed               | 0.5,0.5,0.5,0.5",
                "exponential         | 0.5,1,2,4",
                "linear              | 0.5,1,1.5,2"
            })
    void eachStrategyHasItsExactSchedule(String strategy, String delays) {
        String name = strategy.toUpperCase(Locale.ROOT).equals(strategy)
                ? "reliability.strategy." + strategy
                : "'" + strategy + "'";
        Varargs seen = lua.run(FLAKY + """
                local seen = {}
                reliability.retry_with_config({
                    max_attempts = 5, initial_delay = 0.5, strategy = %s, jitter = false,
                    on_retry = function(attempt, delay, err) seen[#seen + 1] = delay end
                }, flaky(10))
                return table.concat(seen, ",")
                """.formatted(name));

        assertThat(seen.tojstring(1)).isEqualTo(delays);
        assertThat(lua.time.sleeps()).hasSize(4);
    }

    @Test
    void delaysAreCappedAtMaxDelayAndMultipliersHonoured() {
        Varargs seen = lua.run(FLAKY + """
                local seen = {}
                reliability.retry_with_config({
                    max_attempts = 6, initial_delay = 1, multiplier = 3, max_delay = 10, jitter = false,
                    on_retry = function(attempt, delay) seen[#seen + 1] = attempt .. "=" .. delay end
                }, flaky(10))
                return table.concat(seen, " ")
                """);

        assertThat(seen.tojstring(1)).isEqualTo("1=1 2=3 3=9 4=10 5=10");
    }

    @Test
    void customDelaysComeFromTheScript() {
        Varargs seen = lua.run(FLAKY + """
                local seen = {}
                reliability.retry_with_config({
                    max_attempts = 5, strategy = reliability.strategy.CUSTOM_BACKOFF, jitter = false,
                    custom_delay = function(attempt)
                        if attempt == 1 then return 1 end
                        if attempt == 2 then return 1 end
                        return (attempt - 1) + (attempt - 2)
                    end,
                    on_retry = function(attempt, delay) seen[#seen + 1] = delay end
                }, flaky(10))
                return table.concat(seen, ",")
                """);

        assertThat(seen.tojstring(1)).isEqualTo("1,1,3,5");
    }

    @Test
    void fractionalSecondsAreHonoured() {
        lua.run(FLAKY + "reliability.retry_with_config({max_attempts = 2, initial_delay = 0.25, jitter = false},"
                + " flaky(1, 'ok'))");

        assertThat(lua.time.sleeps()).containsExactly(Duration.ofMillis(250));
    }

    @Test
    void proportionalJitterFromANumber() {
        lua.run(FLAKY + "reliability.retry_with_config({max_attempts = 2, initial_delay = 1, jitter = 0.1},"
                + " flaky(1, 'ok'))");

        assertThat(lua.time.sleeps().get(0)).isBetween(Duration.ofMillis(900), Duration.ofMillis(1100));
    }

    @Test
    void exhaustionReturnsNilAndAMessageNamingAttemptsAndTheLastError() {
        Varargs result = lua.run(FLAKY + "return reliability.retry(3, 0.1, flaky(5))");

        assertThat(result.arg1().isnil()).isTrue();
        assertThat(result.tojstring(2)).isEqualTo("retry failed after 3 attempts: failure 3");
    }

    @Test
    void aRaisedErrorIsCaughtAndReturnedNeverReraised() {
        Varargs result = lua.run("return reliability.retry(2, 0.1, function() error('boom') end)");

        assertThat(result.arg1().isnil()).isTrue();
        assertThat(result.tojstring(2)).isEqualTo("retry failed after 2 attempts: test.lua:1: boom");
    }

    @Test
    void falseCountsAsFailure() {
        Varargs result = lua.run("return reliability.retry(2, 0, function() return false end)");

        assertThat(result.tojstring(2)).isEqualTo("retry failed after 2 attempts: function returned false");
    }

    @Test
    void shouldRetryReceivesTheMessageAndCanStopTheRetry() {
        Varargs result = lua.run("""
                local calls = 0
                local r, err = reliability.retry_with_config({
                    max_attempts = 5, initial_delay = 0,
                    should_retry = function(error)
                        return string.find(error, "network") or string.find(error, "timeout")
                    end
                }, function()
                    calls = calls + 1
                    if calls == 1 then return nil, "network unreachable" end
                    return nil, "invalid credentials"
                end)
                return calls, err
                """);

        assertThat(result.toint(1)).isEqualTo(2);
        assertThat(result.tojstring(2)).isEqualTo("retry stopped after 2 attempts: invalid credentials");
    }

    @Test
    void aNonRetryableErrorStopsAtOnceAndKeepsItsType() {
        Varargs result = lua.run("""
                local calls = 0
                local r, err = reliability.retry(5, 0, function()
                    calls = calls + 1
                    error(reliability.non_retryable("bad input"))
                end)
                return calls, reliability.error_type(err), tostring(err), "[" .. err .. "]"
                """);

        assertThat(result.toint(1)).isEqualTo(1);
        assertThat(result.tojstring(2)).isEqualTo("non_retryable");
        assertThat(result.tojstring(3)).isEqualTo("retry stopped after 1 attempt: test.lua:4: bad input");
        assertThat(result.tojstring(4)).isEqualTo("[retry stopped after 1 attempt: test.lua:4: bad input]");
    }

    @Test
    void anExplicitlyRetryableErrorIsRetriedWithoutAskingShouldRetry() {
        Varargs result = lua.run("""
                local asked, calls = 0, 0
                local r, err = reliability.retry_with_config({
                    max_attempts = 3, initial_delay = 0,
                    should_retry = function() asked = asked + 1; return false end
                }, function()
                    calls = calls + 1
                    return nil, reliability.retryable("throttled")
                end)
                return calls, asked, reliability.error_type(err), tostring(err)
                """);

        assertThat(result.toint(1)).isEqualTo(3);
        assertThat(result.toint(2)).isZero();
        assertThat(result.tojstring(3)).isEqualTo("retryable");
        assertThat(result.tojstring(4)).isEqualTo("retry failed after 3 attempts: throttled");
    }

    @Test
    void errorTypeIsNilForPlainValues() {
        Varargs result = lua.run("return reliability.error_type('x'), reliability.error_type(nil), "
                + "reliability.error_type({}), reliability.error_type(reliability.retryable('r'))");

        assertThat(result.arg(1).isnil()).isTrue();
        assertThat(result.arg(2).isnil()).isTrue();
        assertThat(result.arg(3).isnil()).isTrue();
        assertThat(result.tojstring(4)).isEqualTo("retryable");
    }

    @Test
    void errorsAreStringsThatKeepTheirType() {
        Varargs result = lua.run("""
                local seen = {}
                local r, err = reliability.retry_with_config({
                    max_attempts = 2, initial_delay = 0,
                    should_retry = function(e) seen[#seen + 1] = type(e) .. ":" .. e:upper(); return true end,
                    on_retry = function(attempt, delay, e) seen[#seen + 1] = type(e) end
                }, function() return nil, reliability.non_retryable("bad input") end)
                local built = reliability.retryable("throttled")
                return type(err), err == "retry stopped after 1 attempt: bad input", err:find("bad", 1, true),
                    #err, string.format("%s", err), type(built), built == "throttled",
                    reliability.error_type("throttled"), #seen
                """);

        assertThat(result.tojstring(1)).isEqualTo("string");
        assertThat(result.toboolean(2)).isTrue();
        assertThat(result.toint(3)).isEqualTo(32);
        assertThat(result.toint(4)).isEqualTo(40);
        assertThat(result.tojstring(5)).isEqualTo("retry stopped after 1 attempt: bad input");
        assertThat(result.tojstring(6)).isEqualTo("string");
        assertThat(result.toboolean(7)).isTrue();
        assertThat(result.tojstring(8)).isEqualTo("retryable");
        assertThat(result.toint(9)).isZero(); // a non-retryable error asks no callback
    }

    @Test
    void callbacksReceiveStringErrors() {
        Varargs result = lua.run("""
                local seen = {}
                reliability.retry_with_config({
                    max_attempts = 2, initial_delay = 0,
                    should_retry = function(e) seen[#seen + 1] = type(e) .. ":" .. e:upper(); return true end,
                    on_retry = function(attempt, delay, e) seen[#seen + 1] = type(e) .. ":" .. e end
                }, function() return nil, {} end)
                reliability.retry(2, 0, function() error({code = 1}) end)
                return table.concat(seen, ",")
                """);

        assertThat(result.tojstring(1)).matches("string:TABLE: .*,string:table: .*");
    }

    @Test
    void theTypeOfATypedMessageSurvivesErrorsPositionPrefix() {
        Varargs result = lua.run("""
                local ok, raised = pcall(error, reliability.non_retryable("no"))
                local ok2, raised2 = pcall(function() error(reliability.non_retryable("no")) end)
                return reliability.error_type(raised), raised2, reliability.error_type(raised2)
                """);

        assertThat(result.tojstring(1)).isEqualTo("non_retryable");
        assertThat(result.tojstring(2)).isEqualTo("test.lua:2: no");
        assertThat(result.tojstring(3)).isEqualTo("non_retryable");
    }

    @Test
    void sameTextSharesTheTypeProducedLast() {
        Varargs result = lua.run("""
                reliability.retryable("x")
                reliability.non_retryable("x")
                return reliability.error_type("x")
                """);

        assertThat(result.tojstring(1)).isEqualTo("non_retryable");
    }

    @Test
    void onRetryRunsBeforeEachWaitButNeverAfterTheLastAttempt() {
        Varargs result = lua.run(FLAKY + """
                local seen = {}
                reliability.retry_with_config({
                    max_attempts = 3, initial_delay = 1, jitter = false,
                    on_retry = function(attempt, delay, error)
                        seen[#seen + 1] = "Retry attempt " .. attempt .. " in " .. delay .. "s: " .. error
                    end
                }, flaky(10))
                return table.concat(seen, "|")
                """);

        assertThat(result.tojstring(1)).isEqualTo("Retry attempt 1 in 1s: failure 1|Retry attempt 2 in 2s: failure 2");
    }

    @Test
    void aRaisingCallbackInCustomDelayReachesTheScript() {
        assertThat(lua.error("""
                reliability.retry_with_config({
                    max_attempts = 3, strategy = 'custom',
                    custom_delay = function() return 'soon' end
                }, function() return nil end)
                """))
                .isEqualTo("test.lua:1: bad result from 'custom_delay' (number of seconds expected, got string)");
        assertThat(lua.error("""
                reliability.retry_with_config({
                    max_attempts = 3, should_retry = function() error('predicate bug') end
                }, function() return nil end)
                """)).isEqualTo("test.lua:2: predicate bug");
    }

    @Test
    void theModuleIsAlsoRequirable() {
        assertThat(lua.run("return require('reliability') == reliability").toboolean(1))
                .isTrue();
    }
}
