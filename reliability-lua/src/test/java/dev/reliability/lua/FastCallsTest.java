package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.state.memory.MemoryStateStore;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.Varargs;

/** What keeps module calls cheap changes nothing a script can see. */
class FastCallsTest {
    private final LuaHarness lua = new LuaHarness();

    @Test
    void aCompiledNameIsTheLibrarysOwnKeyInstance() throws Exception {
        Prototype chunk = lua.globals.compiler.compile(
                new ByteArrayInputStream("return reliability.circuit_breaker".getBytes(StandardCharsets.UTF_8)),
                "names.lua");

        assertThat(constant(chunk, "reliability")).isSameAs(key(lua.globals, "reliability"));
        assertThat(constant(chunk, "circuit_breaker"))
                .isSameAs(key((LuaTable) lua.globals.get("reliability"), "circuit_breaker"));
    }

    @Test
    void chunksShareTheirConstantsAndEqualStringsStayEqual() throws Exception {
        Prototype first = compile("cfg = {max_failures = 1}; return 'x'");
        Prototype second = compile("return cfg.max_failures, 'x'");

        assertThat(constant(second, "cfg")).isSameAs(constant(first, "cfg"));
        assertThat(constant(second, "max_failures")).isSameAs(constant(first, "max_failures"));
        Varargs result = lua.run("""
                local t = {}
                t["a" .. "b"] = 1
                return t.ab, ("ab" == "a" .. "b"), #"circuit_breaker"
                """);
        assertThat(result.toint(1)).isEqualTo(1);
        assertThat(result.toboolean(2)).isTrue();
        assertThat(result.toint(3)).isEqualTo(15);
    }

    @Test
    void theSharedStringsAreBounded() {
        StringBuilder script = new StringBuilder("local t = {}\n");
        for (int i = 0; i < InterningCompiler.MAX_ENTRIES + 100; i++) {
            script.append("t.k").append(i).append(" = ").append(i).append('\n');
        }
        script.append("return t.k").append(InterningCompiler.MAX_ENTRIES + 99);
        String longName = "x".repeat(InterningCompiler.MAX_LENGTH + 1);

        assertThat(lua.run(script.toString()).toint(1)).isEqualTo(InterningCompiler.MAX_ENTRIES + 99);
        InterningCompiler compiler = (InterningCompiler) lua.globals.compiler;
        LuaString fresh = LuaString.valueOf("k" + (InterningCompiler.MAX_ENTRIES + 50));
        assertThat(compiler.intern(fresh)).isSameAs(fresh); // full: not remembered, returned as it is
        LuaString longString = LuaString.valueOf(longName);
        assertThat(compiler.intern(longString)).isSameAs(longString);
        assertThat(compiler.intern(LuaString.valueOf(longName))).isNotSameAs(longString);
    }

    @Test
    void nestedBreakerCallsEachRunTheirOwnFunction() {
        Varargs result = lua.run("""
                local cfg = {max_failures = 5}
                local inner = function() return "inner" end
                local outer = function()
                    local a = reliability.circuit_breaker("in", cfg, inner)
                    local b = reliability.circuit_breaker("in", cfg, function() return "second" end)
                    return a .. "+" .. b
                end
                local r1 = reliability.circuit_breaker("out", cfg, outer)
                local r2 = reliability.circuit_breaker("out", cfg, function() return "plain" end)
                return r1, r2
                """);

        assertThat(result.tojstring(1)).isEqualTo("inner+second");
        assertThat(result.tojstring(2)).isEqualTo("plain");
    }

    @Test
    void aCallbackThatCallsABreakerWhileTheCallWaitsForItsPermitLeavesTheCallsFunctionAlone() {
        String call = """
                local seen = {}
                local cfg = {max_failures = 1, timeout = 1, on_state_change = function(from, to)
                    seen[#seen + 1] = from .. ">" .. to .. ":"
                        .. tostring(reliability.circuit_breaker("other", {}, function() return "cb" end))
                end}
                return reliability.circuit_breaker("flip", cfg, fn), table.concat(seen, " ")
                """;
        Varargs opened = lua.run("fn = function() return nil, 'down' end\n" + call);
        lua.time.advance(Duration.ofSeconds(2)); // due: the next call's permit moves it to half-open

        Varargs trial = lua.run("fn = function() return 'trial' end\n" + call);

        assertThat(opened.tojstring(2)).isEqualTo("closed>open:cb");
        assertThat(trial.tojstring(1)).isEqualTo("trial");
        assertThat(trial.tojstring(2)).isEqualTo("open>half-open:cb half-open>closed:cb");
    }

    @Test
    void stateKeysFollowEachCallsOwnArgument() {
        LuaHarness withStore = new LuaHarness(ReliabilityLua.builder().stateStore(MemoryStateStore.ofDefaults()));

        Varargs result = withStore.run("""
                for i = 1, 3 do state.increment("a") end
                for i = 1, 2 do state.increment("b") end
                local k = "a"
                state.increment(k .. "")
                local ok, err = pcall(state.increment, "")
                return state.get("a"), state.get("b"), ok, err, state.increment("a")
                """);

        assertThat(result.toint(1)).isEqualTo(4);
        assertThat(result.toint(2)).isEqualTo(2);
        assertThat(result.toboolean(3)).isFalse();
        assertThat(result.tojstring(4)).startsWith("bad argument #1 to 'increment'");
        assertThat(result.toint(5)).isEqualTo(5);
    }

    private Prototype compile(String source) throws Exception {
        return lua.globals.compiler.compile(new ByteArrayInputStream(source.getBytes(StandardCharsets.UTF_8)), "c.lua");
    }

    private static LuaValue constant(Prototype chunk, String text) {
        for (LuaValue value : chunk.k) {
            if (value.type() == LuaValue.TSTRING && value.tojstring().equals(text)) {
                return value;
            }
        }
        throw new AssertionError("no constant " + text);
    }

    private static LuaValue key(LuaTable table, String text) {
        for (LuaValue key : table.keys()) {
            if (key.type() == LuaValue.TSTRING && key.tojstring().equals(text)) {
                return key;
            }
        }
        throw new AssertionError("no key " + text);
    }
}
