package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.Varargs;

class ReliabilityLibCircuitTest {
    private final LuaHarness lua = new LuaHarness();

    private static final String SETUP = """
            transitions = {}
            calls = 0
            config = {
                max_failures = 3, timeout = 30, success_threshold = 2,
                on_state_change = function(from, to) transitions[#transitions + 1] = from .. "->" .. to end
            }
            function call(ok)
                return reliability.circuit_breaker("external_api", config, function()
                    calls = calls + 1
                    if ok then return "data", calls end
                    return nil, "service down"
                end)
            end
            """;

    @Test
    void returnsFnsResultsWhileClosed() {
        Varargs result = lua.run(SETUP + "return call(true)");

        assertThat(result.tojstring(1)).isEqualTo("data");
        assertThat(result.toint(2)).isEqualTo(1);
    }

    @Test
    void opensAfterMaxFailuresAndRejectsWithoutCallingFn() {
        Varargs result = lua.run(SETUP + """
                for i = 1, 3 do call(false) end
                local r, err = call(true)
                return r, tostring(err), reliability.error_type(err), calls, table.concat(transitions, ",")
                """);

        assertThat(result.arg1().isnil()).isTrue();
        assertThat(result.tojstring(2)).isEqualTo("circuit breaker 'external_api' is open");
        assertThat(result.tojstring(3)).isEqualTo("circuit_open");
        assertThat(result.toint(4)).isEqualTo(3);
        assertThat(result.tojstring(5)).isEqualTo("closed->open");
    }

    @Test
    void halfOpensAfterTheTimeoutAndClosesAfterSuccessThresholdSuccesses() {
        lua.run(SETUP + "for i = 1, 3 do call(false) end");
        lua.time.advance(Duration.ofSeconds(29));
        assertThat(lua.run("local r, err = call(true); return tostring(err)").tojstring(1))
                .isEqualTo("circuit breaker 'external_api' is open");

        lua.time.advance(Duration.ofSeconds(1));
        Varargs result = lua.run("""
                local first = call(true)
                local middle = reliability.get_circuit_stats("external_api").state
                local second = call(true)
                return first, middle, second, reliability.get_circuit_stats("external_api").state,
                    table.concat(transitions, ",")
                """);

        assertThat(result.tojstring(1)).isEqualTo("data");
        assertThat(result.tojstring(2)).isEqualTo("half-open");
        assertThat(result.tojstring(4)).isEqualTo("closed");
        assertThat(result.tojstring(5)).isEqualTo("closed->open,open->half-open,half-open->closed");
    }

    @Test
    void anyFailureInHalfOpenReopens() {
        lua.run(SETUP + "for i = 1, 3 do call(false) end");
        lua.time.advance(Duration.ofSeconds(30));

        Varargs result = lua.run("call(false); return reliability.get_circuit_stats('external_api').state,"
                + " table.concat(transitions, ',')");

        assertThat(result.tojstring(1)).isEqualTo("open");
        assertThat(result.tojstring(2)).isEqualTo("closed->open,open->half-open,half-open->open");
    }

    @Test
    void aRaiseInsideFnIsCaughtCountedAndReturned() {
        Varargs result = lua.run("""
                local r, err = reliability.circuit_breaker("raising", {}, function() error("exploded") end)
                return r, err, reliability.get_circuit_stats("raising").total_failures
                """);

        assertThat(result.arg1().isnil()).isTrue();
        assertThat(result.tojstring(2)).isEqualTo("test.lua:1: exploded");
        assertThat(result.toint(3)).isEqualTo(1);
    }

    @Test
    void statsCarryTheSeedsFields() {
        lua.run(SETUP + "call(true); call(false)");
        LuaTable stats = (LuaTable)
                lua.run("return reliability.get_circuit_stats('external_api')").arg1();

        assertThat(stats.get("state").tojstring()).isEqualTo("closed");
        assertThat(stats.get("requests").toint()).isEqualTo(2);
        assertThat(stats.get("total_success").toint()).isEqualTo(1);
        assertThat(stats.get("total_failures").toint()).isEqualTo(1);
        assertThat(stats.get("consecutive_success").toint()).isZero();
        assertThat(stats.get("consecutive_failures").toint()).isEqualTo(1);
        assertThat(stats.get("rejected").toint()).isZero();
        double now = lua.time.instant().toEpochMilli() / 1000.0;
        assertThat(stats.get("last_success_time").todouble()).isEqualTo(now);
        assertThat(stats.get("last_failure_time").todouble()).isEqualTo(now);
        assertThat(lua.run("return reliability.get_circuit_stats('nobody')")
                        .arg1()
                        .isnil())
                .isTrue();
        assertThat(lua.run("reliability.circuit_breaker('fresh', {}, function() return 1 end);"
                                + " return reliability.get_circuit_stats('fresh').last_failure_time")
                        .arg1()
                        .isnil())
                .isTrue();
    }

    @Test
    void listAndResetCircuits() {
        Varargs result = lua.run(SETUP + """
                reliability.circuit_breaker("b", {}, function() return 1 end)
                reliability.circuit_breaker("a", {}, function() return 1 end)
                for i = 1, 3 do call(false) end
                local names = table.concat(reliability.list_circuits(), ",")
                local reset = reliability.reset_circuit("external_api")
                local ok, missing = reliability.reset_circuit("nobody")
                return names, reset, reliability.get_circuit_stats("external_api").state, ok, missing
                """);

        assertThat(result.tojstring(1)).isEqualTo("a,b,external_api");
        assertThat(result.toboolean(2)).isTrue();
        assertThat(result.tojstring(3)).isEqualTo("closed");
        assertThat(result.toboolean(4)).isFalse();
        assertThat(result.tojstring(5)).isEqualTo("circuit breaker not found: nobody");
    }

    @Test
    void aBreakerKeepsItsFirstConfigAndADifferentOneIsLoggedOnce() {
        Varargs result = lua.run("""
                local function fail() return nil, "x" end
                for i = 1, 2 do reliability.circuit_breaker("svc", {max_failures = 2}, fail) end
                reliability.circuit_breaker("svc", {max_failures = 10}, fail)
                reliability.circuit_breaker("svc", {max_failures = 10}, fail)
                return reliability.get_circuit_stats("svc").state
                """);

        assertThat(result.tojstring(1)).isEqualTo("open");
        assertThat(lua.logLines)
                .containsExactly("WARNING circuit breaker 'svc' keeps the config it was created with; a call asked "
                        + "for max_failures=10 timeout=60 success_threshold=1 half_open_max_calls=1, it has "
                        + "max_failures=2 timeout=60 success_threshold=1 half_open_max_calls=1");
    }

    @Test
    void aRetryAroundAnOpenBreakerStopsAtOnceUnlessRetryOnOpen() {
        Varargs result = lua.run("""
                local function guarded()
                    return reliability.circuit_breaker("dep", {max_failures = 1}, function() return nil, "down" end)
                end
                guarded()
                local r, err = reliability.retry(5, 1, guarded)
                local r2, err2 = reliability.retry_with_config({max_attempts = 3, initial_delay = 1,
                    retry_on_open = true}, guarded)
                return reliability.error_type(err), tostring(err), reliability.error_type(err2), tostring(err2)
                """);

        assertThat(result.tojstring(1)).isEqualTo("circuit_open");
        assertThat(result.tojstring(2)).isEqualTo("retry stopped after 1 attempt: circuit breaker 'dep' is open");
        assertThat(result.tojstring(3)).isEqualTo("circuit_open");
        assertThat(result.tojstring(4)).isEqualTo("retry failed after 3 attempts: circuit breaker 'dep' is open");
        assertThat(lua.time.sleeps()).hasSize(2);
    }

    @Test
    void badInputIsRejectedBeforeAnyBreakerExists() {
        assertThat(lua.error("reliability.circuit_breaker(nil, {}, print)"))
                .isEqualTo("test.lua:1: bad argument #1 to 'circuit_breaker' (string expected, got nil)");
        assertThat(lua.error("reliability.circuit_breaker('x', nil, print)"))
                .isEqualTo("test.lua:1: bad argument #2 to 'circuit_breaker' (table expected, got nil)");
        assertThat(lua.error("reliability.circuit_breaker('x', {}, nil)"))
                .isEqualTo("test.lua:1: bad argument #3 to 'circuit_breaker' (function expected, got nil)");
        assertThat(lua.error("reliability.circuit_breaker('x', {max_fail = 1}, print)"))
                .isEqualTo("test.lua:1: bad argument #2 to 'circuit_breaker' (unknown key 'max_fail')");
        assertThat(lua.error("reliability.circuit_breaker('x', {max_failures = 0}, print)"))
                .isEqualTo("test.lua:1: bad argument #2 to 'circuit_breaker' ('max_failures': integer >= 1 expected,"
                        + " got 0)");
        assertThat(lua.error("reliability.circuit_breaker('x', {timeout = 0}, print)"))
                .isEqualTo("test.lua:1: bad argument #2 to 'circuit_breaker' ('timeout': positive number of seconds"
                        + " expected, got 0)");
        assertThat(lua.error("reliability.circuit_breaker('x', {timeout = -1}, print)"))
                .isEqualTo("test.lua:1: bad argument #2 to 'circuit_breaker' ('timeout': non-negative number of"
                        + " seconds expected, got -1)");
        assertThat(lua.error("reliability.circuit_breaker('x', {on_state_change = 'log'}, print)"))
                .isEqualTo("test.lua:1: bad argument #2 to 'circuit_breaker' ('on_state_change': function expected,"
                        + " got string)");
        assertThat(lua.error("reliability.get_circuit_stats()"))
                .isEqualTo("test.lua:1: bad argument #1 to 'get_circuit_stats' (string expected, got nil)");
        assertThat(lua.error("reliability.reset_circuit({})"))
                .isEqualTo("test.lua:1: bad argument #1 to 'reset_circuit' (string expected, got table)");
        assertThat(lua.run("return #reliability.list_circuits()").toint(1)).isZero();
    }
}
