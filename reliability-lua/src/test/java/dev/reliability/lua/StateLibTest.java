package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.state.StateValue;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.luaj.vm2.Varargs;

class StateLibTest {
    private final LuaHarness lua = new LuaHarness();

    @Test
    void valuesKeepTheirLuaType() {
        Varargs result = lua.run("""
                state.set("s", "text"); state.set("i", 42); state.set("f", 2.5); state.set("b", false)
                state.set("list", {1, "two", true}); state.set("map", {name = "x", nested = {n = 1}})
                local list, map = state.get("list"), state.get("map")
                return type(state.get("s")), state.get("i"), state.get("f"), state.get("b"),
                    #list, list[2], list[3], map.name, map.nested.n, math.type and 0 or 1
                """);

        assertThat(result.tojstring(1)).isEqualTo("string");
        assertThat(result.toint(2)).isEqualTo(42);
        assertThat(result.todouble(3)).isEqualTo(2.5);
        assertThat(result.arg(4).isboolean()).isTrue();
        assertThat(result.toboolean(4)).isFalse();
        assertThat(result.toint(5)).isEqualTo(3);
        assertThat(result.tojstring(6)).isEqualTo("two");
        assertThat(result.toboolean(7)).isTrue();
        assertThat(result.tojstring(8)).isEqualTo("x");
        assertThat(result.toint(9)).isEqualTo(1);
        assertThat(lua.run("return state.get('missing'), state.get('missing', 'fallback')")
                        .tojstring(2))
                .isEqualTo("fallback");
    }

    @Test
    void theStoreSeesTypedValues() {
        lua.run("state.set('n', 7); state.set('list', {'a', 'b'}); state.set('s', '7')");

        assertThat(store().get("n")).contains(StateValue.of(7L));
        assertThat(store().get("s")).contains(StateValue.of("7"));
        assertThat(store().get("list")).contains(StateValue.ofList(List.of(StateValue.of("a"), StateValue.of("b"))));
    }

    private dev.reliability.state.StateStore store() {
        return lua.modules.stateStore();
    }

    @Test
    void incrementTreatsANumericStringAsANumber() {
        Varargs result = lua.run("""
                state.set("failures", "0")
                local a = state.increment("failures", 1)
                local b = state.increment("failures")
                local c = state.decrement("failures", 5)
                local d = state.increment("fresh", 0.5)
                return a, b, c, d
                """);

        assertThat(result.toint(1)).isEqualTo(1);
        assertThat(result.toint(2)).isEqualTo(2);
        assertThat(result.toint(3)).isEqualTo(-3);
        assertThat(result.todouble(4)).isEqualTo(0.5);
    }

    @Test
    void appendPutsTheSeparatorOnlyBetweenItems() {
        Varargs result = lua.run("""
                state.append("log", "first", "\\n")
                local n = state.append("log", "second", "\\n")
                return state.get("log"), n
                """);

        assertThat(result.tojstring(1)).isEqualTo("first\nsecond");
        assertThat(result.toint(2)).isEqualTo(12);
    }

    @Test
    void keysExistsDeleteAndClear() {
        Varargs result = lua.run("""
                state.set("user:2", 1); state.set("user:1", 1); state.set("other", 1)
                local keys = table.concat(state.keys("user:*"), ",")
                local all = #state.keys()
                local existed = state.exists("other")
                local deleted = state.delete("other")
                local cleared = state.clear("user:*")
                return keys, all, existed, deleted, state.exists("other"), cleared, #state.keys("*")
                """);

        assertThat(result.tojstring(1)).isEqualTo("user:1,user:2");
        assertThat(result.toint(2)).isEqualTo(3);
        assertThat(result.toboolean(3)).isTrue();
        assertThat(result.toboolean(4)).isTrue();
        assertThat(result.toboolean(5)).isFalse();
        assertThat(result.toint(6)).isEqualTo(2);
        assertThat(result.toint(7)).isZero();
    }

    @Test
    void ttlsExpireInVirtualTime() {
        lua.run("state.set('session', 'abc', 1.5); state.set('forever', 1)");
        assertThat(lua.run("return state.get_ttl('session'), state.get_ttl('forever')")
                        .todouble(1))
                .isEqualTo(1.5);

        lua.time.advance(Duration.ofMillis(1500));

        assertThat(lua.run("return state.get('session')").arg1().isnil()).isTrue();
        assertThat(lua.run("return state.set_ttl('forever', 10), state.get_ttl('forever')")
                        .todouble(2))
                .isEqualTo(10.0);
    }

    @Test
    void compareSwapIsAtomicOnTheExpectedValue() {
        Varargs result = lua.run("""
                local created = state.compare_swap("leader", nil, "node-a")
                local stolen = state.compare_swap("leader", nil, "node-b")
                local handed = state.compare_swap("leader", "node-a", "node-b")
                return created, stolen, handed, state.get("leader")
                """);

        assertThat(result.toboolean(1)).isTrue();
        assertThat(result.toboolean(2)).isFalse();
        assertThat(result.toboolean(3)).isTrue();
        assertThat(result.tojstring(4)).isEqualTo("node-b");
    }

    @Test
    void listsPushAndPopAtTheEnd() {
        Varargs result = lua.run("""
                state.list_push("q", "a"); state.list_push("q", {k = 1}); local n = state.list_push("q", 3)
                local last = state.list_pop("q")
                local map = state.list_pop("q")
                return n, last, map.k, state.list_length("q"), state.list_pop("empty")
                """);

        assertThat(result.toint(1)).isEqualTo(3);
        assertThat(result.toint(2)).isEqualTo(3);
        assertThat(result.toint(3)).isEqualTo(1);
        assertThat(result.toint(4)).isEqualTo(1);
        assertThat(result.arg(5).isnil()).isTrue();
    }

    @Test
    void locksAreNotReentrantAndOwnedByTheRuntime() {
        LuaHarness other = new LuaHarness(ReliabilityLua.builder().stateStore(store()));

        Varargs result = lua.run("return state.try_lock('job', 10), state.try_lock('job', 10)");
        Varargs foreign = other.run("return state.try_lock('job', 10), state.unlock('job')");

        assertThat(result.toboolean(1)).isTrue();
        assertThat(result.toboolean(2)).isFalse();
        assertThat(foreign.toboolean(1)).isFalse();
        assertThat(foreign.toboolean(2)).isFalse();
        assertThat(lua.run("return state.unlock('job'), state.unlock('job'), state.unlock(nil)")
                        .toboolean(1))
                .isTrue();
    }

    @Test
    void lockWaitsUpToItsTimeoutAndWithLockReleases() {
        LuaHarness other = new LuaHarness(ReliabilityLua.builder().stateStore(store()));
        other.run("state.try_lock('busy', 100)");

        Varargs waited = lua.run("return state.lock('busy', 2)");
        Duration waitedFor = lua.time.sleeps().stream().reduce(Duration.ZERO, Duration::plus);
        Varargs guarded = lua.run("""
                local r1, r2 = state.with_lock("free", function() return "inside", state.try_lock("free", 1) end, 1)
                return r1, r2, state.try_lock("free", 1)
                """);
        Varargs refused = lua.run("return state.with_lock('busy', function() return 'never' end, 0.5)");

        assertThat(waited.toboolean(1)).isFalse();
        assertThat(waitedFor).isEqualTo(Duration.ofSeconds(2));
        assertThat(guarded.tojstring(1)).isEqualTo("inside");
        assertThat(guarded.toboolean(2)).isFalse();
        assertThat(guarded.toboolean(3)).isTrue();
        assertThat(refused.arg1().isnil()).isTrue();
        assertThat(refused.tojstring(2)).isEqualTo("could not acquire lock 'busy' within 0.5s");
    }

    @Test
    void statsDescribeTheStoreAndHeldLocks() {
        Varargs result = lua.run("state.set('a', 1); state.try_lock('l', 5); local s = state.stats();"
                + " return s.keys, s.locks_held, s.owner");

        assertThat(result.toint(1)).isEqualTo(1);
        assertThat(result.toint(2)).isEqualTo(1);
        assertThat(result.tojstring(3)).contains("/lua-");
    }

    @Test
    void countersBeyondTwoToThe53AreRefusedAndLeftUnchanged() {
        store().set("big", StateValue.of((1L << 53) + 1));
        store().set("edge", StateValue.of(1L << 53));

        assertThat(lua.error("local v = state.get('big')"))
                .isEqualTo("test.lua:1: get: value of 'big' (9007199254740993) is beyond 2^53 and has no exact Lua"
                        + " number");
        assertThat(lua.error("local v = state.increment('edge', 1)"))
                .isEqualTo("test.lua:1: increment: the result for 'edge' (9007199254740993) would be beyond 2^53 and"
                        + " has no exact Lua number; the value is unchanged");
        assertThat(store().get("edge")).contains(StateValue.of(1L << 53));
        assertThat(lua.error("local v = state.increment('edge', 2^60)"))
                .isEqualTo("test.lua:1: bad argument #2 to 'increment' (whole number within 2^53 expected, got "
                        + "1.1529215046068e+18)"); // as Lua 5.2 writes 2^60
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "state.set(nil, 1) | bad argument #1 to 'set' (string expected, got nil)",
                "state.set('', 1) | bad argument #1 to 'set' (key must be 1 to 255 characters long, was 0)",
                "state.set(string.rep('k', 256), 1) | bad argument #1 to 'set' (key must be 1 to 255 characters long,"
                        + " was 256)",
                "state.set('k', nil) | bad argument #2 to 'set' (string, number, boolean or table expected, got nil)",
                "state.set('k', print) | bad argument #2 to 'set' (string, number, boolean or table expected, got"
                        + " function)",
                "state.set('k', 0/0) | bad argument #2 to 'set' (finite number expected, got nan)",
                "state.set('k', 1/0) | bad argument #2 to 'set' (finite number expected, got inf)",
                "state.set('k', 1, 0) | bad argument #3 to 'set' (positive number of seconds expected, got 0)",
                "state.set('k', 1, -5) | bad argument #3 to 'set' (positive number of seconds expected, got -5)",
                "state.set('k', 1, 0/0) | bad argument #3 to 'set' (positive number of seconds expected, got nan)",
                "state.set('k', 1, 'x') | bad argument #3 to 'set' (number expected, got string)",
                "local t = {}; t.self = t; state.set('k', t) | bad argument #2 to 'set' (cyclic table)",
                "state.set('k', {1, 2, x = 3}) | bad argument #2 to 'set' (table keys must be all strings or a"
                        + " sequence 1..n)",
                "state.increment('k', 'x') | bad argument #2 to 'increment' (number expected, got string)",
                "state.increment('k', 0/0) | bad argument #2 to 'increment' (finite number expected, got nan)",
                "state.append('k', nil) | bad argument #2 to 'append' (string expected, got nil)",
                "state.keys(1, 2, {}) | bad argument #1 to 'clear' (string expected, got nil)",
                "state.try_lock('l', 0) | bad argument #2 to 'try_lock' (positive number of seconds expected, got 0)",
                "state.lock('l', -1) | bad argument #2 to 'lock' (non-negative number of seconds expected, got -1)",
                "state.with_lock('l', nil) | bad argument #2 to 'with_lock' (function expected, got nil)",
                "state.compare_swap('k', 1, nil) | bad argument #3 to 'compare_swap' (string, number, boolean or"
                        + " table expected, got nil)",
                "state.set_ttl('k', 1/0) | bad argument #2 to 'set_ttl' (positive number of seconds expected, got"
                        + " inf)"
            })
    void badInputIsALuaErrorAndChangesNothing(String call, String message) {
        lua.run("state.set('k', 'before')");
        String script = call.startsWith("state.keys") ? "state.clear()" : call;

        assertThat(lua.error(script)).isEqualTo("test.lua:1: " + message);
        assertThat(store().keys("*")).containsExactly("k");
        assertThat(store().get("k")).contains(StateValue.of("before"));
    }

    @Test
    void aNonNumericIncrementRaisesAndLeavesTheValue() {
        lua.run("state.set('k', 'words'); state.set('flag', true)");

        assertThat(lua.error("state.increment('k', 1)"))
                .isEqualTo("test.lua:1: increment: value of 'k' is not a" + " number");
        assertThat(lua.error("state.decrement('flag')"))
                .isEqualTo("test.lua:1: decrement: value of 'flag' is not a" + " number");
        assertThat(store().get("k")).contains(StateValue.of("words"));
        assertThat(store().get("flag")).contains(StateValue.of(true));
        assertThat(store().get("k").map(StateValue::type)).contains(StateValue.Type.STRING);
    }

    @Test
    void theModuleIsAlsoRequirable() {
        assertThat(lua.run("return require('state') == state").toboolean(1)).isTrue();
    }
}
