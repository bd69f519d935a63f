package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/** Error messages are Lua strings: whatever bytes a script raises or is handed come back byte for byte. */
class ByteExactErrorsTest {
    /** Messages a trip through a Java string breaks: invalid UTF-8, a NUL, an emoji, an encoded surrogate. */
    private static final String SAMPLES = """
            local samples = {"\\xff\\xfe", "a\\0b", "\\xf0\\x9f\\x98\\x80", "\\xed\\xa0\\x80", "\\xef\\x9c\\x80"}
            local bad = {}
            local function expect(label, got, want)
                if got ~= want then bad[#bad + 1] = label end
            end
            """;

    private final LuaHarness lua = new LuaHarness();

    @Test
    void errorRaisesTheExactBytesWithLuasPosition() {
        Varargs result = lua.run(SAMPLES + """
                for i, s in ipairs(samples) do
                    expect("error " .. i, select(2, pcall(function() error(s) end)), "test.lua:7: " .. s)
                    expect("level 0 " .. i, select(2, pcall(function() error(s, 0) end)), s)
                    expect("from pcall " .. i, select(2, pcall(error, s)), s) -- called by pcall, not Lua: no position
                    expect("xpcall " .. i, select(2, xpcall(function() error(s, 0) end, function(m) return m .. "!" end)),
                        s .. "!")
                end
                return table.concat(bad, ", ")
                """);

        assertThat(result.tojstring(1)).isEmpty();
    }

    @Test
    void levelTwoNamesTheCallersLine() {
        Varargs result = lua.run("""
                local function check(x)
                    if not x then error("bad \\xff", 2) end
                end
                local ok, err = pcall(function()
                    local unused = 1
                    check(false)
                end)
                return err
                """);

        assertThat(bytes(result.arg1())).isEqualTo(bytes("test.lua:6: bad ", 0xff));
    }

    @Test
    void otherValuesKeepTheirIdentityAndNumbersBecomePositionedStrings() {
        Varargs result = lua.run("""
                local t = {}
                local _, same = pcall(error, t)
                local _, handled = xpcall(function() error(t) end, function(e) return {wrapped = e} end)
                local _, number = pcall(function() error(42) end)
                local _, none = pcall(error)
                local _, broken = xpcall(function() error("x") end, function() error("again") end)
                return same == t, handled.wrapped == t, number, none, broken
                """);

        assertThat(result.toboolean(1)).isTrue();
        assertThat(result.toboolean(2)).isTrue();
        assertThat(result.tojstring(3)).isEqualTo("test.lua:4: 42");
        assertThat(result.arg(4).isnil()).isTrue();
        assertThat(result.tojstring(5)).isEqualTo("error in error handling");
    }

    @Test
    void modulesHandBackTheBytesOfRaisedAndReturnedErrors() {
        Varargs result = lua.run(SAMPLES + """
                for i, s in ipairs(samples) do
                    local _, raised = reliability.circuit_breaker("b" .. i, {}, function() error(s, 0) end)
                    expect("breaker raised " .. i, raised, s)
                    local _, returned = reliability.circuit_breaker("b" .. i, {}, function() return nil, s end)
                    expect("breaker returned " .. i, returned, s)
                    local seen
                    local _, retried = reliability.retry_with_config(
                        {max_attempts = 2, initial_delay = 0, on_retry = function(n, delay, err) seen = err end},
                        function() error(s, 0) end)
                    expect("retry " .. i, retried, "retry failed after 2 attempts: " .. s)
                    expect("on_retry " .. i, seen, s)
                    local _, fromCallback = pcall(reliability.retry_with_config,
                        {max_attempts = 2, initial_delay = 0, should_retry = function() error(s, 0) end},
                        function() return nil, "down" end)
                    expect("callback " .. i, fromCallback, s)
                    local typed = reliability.retryable(s)
                    local _, typedRaised = pcall(function() error(typed) end)
                    expect("error_type " .. i, reliability.error_type(typedRaised), "retryable")
                end
                return table.concat(bad, ", ")
                """);

        assertThat(result.tojstring(1)).isEmpty();
    }

    @Test
    void breakerNamesKeepTheirBytesInMessagesAndStayDistinct() {
        Varargs result = lua.run("""
                local cfg = {max_failures = 1, timeout = 60}
                reliability.circuit_breaker("\\xff", cfg, function() return nil, "down" end)
                local _, open = reliability.circuit_breaker("\\xff", cfg, function() return true end)
                local other = reliability.circuit_breaker("\\xfe", cfg, function() return "ran" end)
                local names = reliability.list_circuits()
                local _, missing = reliability.reset_circuit("\\xfd")
                return open, other, #names, names[1] == "\\xfe" and names[2] == "\\xff",
                    reliability.get_circuit_stats("\\xff").state, missing
                """);

        assertThat(bytes(result.arg(1)))
                .isEqualTo(bytes("circuit breaker '", 0xff, '\'', ' ', 'i', 's', ' ', 'o', 'p', 'e', 'n'));
        assertThat(result.tojstring(2)).isEqualTo("ran");
        assertThat(result.toint(3)).isEqualTo(2);
        assertThat(result.toboolean(4)).isTrue();
        assertThat(result.tojstring(5)).isEqualTo("open");
        assertThat(bytes(result.arg(6))).isEqualTo(bytes("circuit breaker not found: ", 0xfd));
    }

    @Test
    void anUncaughtErrorCarriesTheExactBytes() {
        LuaError error = catchThrowableOfType(
                LuaError.class, () -> LuaSandbox.run(lua.globals, "\nerror('\\xff\\0')", "job.lua"));

        assertThat(bytes(error.getMessageObject())).isEqualTo(bytes("job.lua:2: ", 0xff, 0));
        assertThat(error.getMessage()).startsWith("job.lua:2: ");
    }

    @Test
    void printWritesTheBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        lua.globals.STDOUT = new PrintStream(out, true);

        lua.run("print('\\xff\\0', '\\xf0\\x9f\\x98\\x80', 1)");

        assertThat(out.toByteArray())
                .isEqualTo(concat(bytes("", 0xff, 0, '\t', 0xf0, 0x9f, 0x98, 0x80, '\t', '1'), System.lineSeparator()));
    }

    private static byte[] bytes(LuaValue value) {
        LuaString s = value.strvalue();
        byte[] bytes = new byte[s.length()];
        s.copyInto(0, bytes, 0, bytes.length);
        return bytes;
    }

    /** The UTF-8 bytes of {@code text} followed by {@code more}. */
    private static byte[] bytes(String text, int... more) {
        return concat(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), more);
    }

    private static byte[] concat(byte[] head, int... more) {
        byte[] all = java.util.Arrays.copyOf(head, head.length + more.length);
        for (int i = 0; i < more.length; i++) {
            all[head.length + i] = (byte) more[i];
        }
        return all;
    }

    private static byte[] concat(byte[] head, String tail) {
        byte[] bytes = tail.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int[] more = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            more[i] = bytes[i];
        }
        return concat(head, more);
    }
}
