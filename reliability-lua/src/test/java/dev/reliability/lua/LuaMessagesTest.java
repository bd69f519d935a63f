package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.Varargs;

/** Scripts read Lua-style messages only: no Java class name, exception text or duration syntax. */
class LuaMessagesTest {
    private final LuaHarness lua = new LuaHarness();

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "return select(2, load('x=1e1e1')) | [string \"x=1e1e1\"]: malformed number",
                "return select(2, load(('local a\\n'):rep(300))) | [string \"local a...\"]: function too complex to compile"
                        + " (too many local variables, upvalues or constants?)",
                "return select(2, pcall(string.find, 'a', '[a')) | malformed pattern (missing ']')",
                "return tostring(tonumber('0x')) | nil",
                "return select(2, pcall(string.rep, 'x', 1/0)) | bad argument #2 to 'rep' (resulting string"
                        + " exceeds the string size limit of 16777216 bytes)",
                "return select(2, load(('x = 1 +'):rep(40))) | [string \"x = 1 +x = 1 +x = 1 +x = 1 +x = 1 +x = 1 +x =...\"]:1:"
                        + " unexpected symbol 61 (=)",
                "return select(2, pcall(load(('local x = 1 '):rep(20) .. 'error(\"e\")')))"
                        + " | [string \"local x = 1 local x = 1 local x = 1 local x =...\"]:1: e",
                "return select(2, pcall(load('return nil + 1', '=(mine)'))) | (mine):1: attempt to perform arithmetic"
                        + " __add on nil and number",
                "return select(2, pcall(string.rep, 'x', 1e300)) | bad argument #2 to 'rep' (resulting string of 1e+300"
                        + " bytes exceeds the string size limit of 16777216 bytes)",
                "return select(2, pcall(state.set, 'k', 1, 1e-300)) | true",
            })
    void libraryFailuresReadAsLua(String script, String message) {
        assertThat(lua.run(script).tojstring(1)).isEqualTo(message);
    }

    @Test
    void anUncaughtNumberErrorHasLuasPosition() {
        assertThat(lua.error("error(42)")).isEqualTo("test.lua:1: 42");
    }

    @Test
    void aChunkTheCompilerFailsOnIsALuaError() {
        assertThat(lua.error("x = 1e1e1")).isEqualTo("test.lua: malformed number");
    }

    @Test
    void javaDurationsAreWrittenAsSeconds() {
        assertThat(LuaErrors.withSeconds("ttl must be positive, was PT0S; open PT1M30.5S"))
                .isEqualTo("ttl must be positive, was 0s; open 90.5s");
    }

    @Test
    void aJavaFailureInAModuleFunctionIsNamedWithoutItsClass() {
        LuaError error = LuaErrors.translate("get", new IllegalStateException("store is closed"));

        assertThat(error.getMessage()).isEqualTo("get: store is closed");
        assertThat(LuaErrors.logText(new java.io.UncheckedIOException(new java.io.IOException())))
                .doesNotContain("java");
    }

    @Test
    void logLinesEscapeControlCharacters() {
        lua.run("log.info('a\\n2026-11-29T00:00:00Z ERROR forged', {['k\\r'] = 'v\\0\\t'})");

        assertThat(lua.logLines).containsExactly("INFO a\\n2026-11-29T00:00:00Z ERROR forged k\\r=v\\x00\\t");
    }

    @Test
    void noMessageNamesJava() {
        Varargs result = lua.run("""
                local out = {}
                for _, f in ipairs({
                    function() return string.find("a", "[a") end,
                    function() return string.gsub("a", "(", "") end,
                    function() return string.format("%d", "x") end,
                    function() return load("x=1e1e1") end,
                }) do
                    local ok, err = pcall(f)
                    out[#out + 1] = tostring(err)
                end
                return table.concat(out, "\\n")
                """);

        for (String line : List.of(result.tojstring(1).split("\n"))) {
            assertThat(line)
                    .doesNotContainIgnoringCase("java")
                    .doesNotContain("Exception")
                    .doesNotContain("PT");
        }
    }
}
