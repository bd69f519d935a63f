package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.state.StateStore;
import dev.reliability.state.StateValue;
import dev.reliability.state.jdbc.JdbcStateStore;
import dev.reliability.state.memory.MemoryStateStore;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.Varargs;

/** Lua strings are bytes; they must come back from every store byte for byte, as values, in tables and as keys. */
class ByteExactStringsTest {
    /** Strings that a lossy UTF-16 round trip breaks, as Lua source with escapes. */
    private static final String SAMPLES = """
            local samples = {
                "\\xf0\\x9f\\x98\\x80",          -- an emoji, valid UTF-8
                "\\xe0\\x9f\\x98\\x80",          -- an overlong form: invalid
                "\\xff\\xfe\\0\\1",              -- invalid bytes and a NUL
                "\\xef\\x9c\\x80",               -- U+F700, the first escape character, written by the script
                "\\xed\\xa0\\x80",               -- an encoded surrogate: invalid
                "a\\0b", "plain", "",
                "\\xf0\\x9f\\x98",               -- a truncated sequence
            }
            """;

    @TempDir
    static Path directory;

    private StateStore store;

    static Stream<Arguments> stores() {
        return Stream.of(
                Arguments.of("memory", (java.util.function.Supplier<StateStore>) MemoryStateStore::ofDefaults),
                Arguments.of("embedded H2", (java.util.function.Supplier<StateStore>)
                        () -> JdbcStateStore.embedded(directory.resolve("bytes-" + System.nanoTime()))));
    }

    @AfterEach
    void close() throws Exception {
        if (store != null) {
            store.close();
        }
    }

    private LuaHarness lua(java.util.function.Supplier<StateStore> factory) {
        store = factory.get();
        return new LuaHarness(ReliabilityLua.builder().stateStore(store));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void valuesRoundTripByteForByte(String name, java.util.function.Supplier<StateStore> factory) {
        Varargs result = lua(factory).run(SAMPLES + """
                local bad = {}
                for i, s in ipairs(samples) do
                    state.set("v" .. i, s)
                    state.set("t" .. i, {list = {s}, nested = {n = s}, [s == "" and "empty" or s] = s})
                    local t = state.get("t" .. i)
                    if state.get("v" .. i) ~= s or t.list[1] ~= s or t.nested.n ~= s then bad[#bad + 1] = i end
                    if t[s == "" and "empty" or s] ~= s then bad[#bad + 1] = "key " .. i end
                end
                return table.concat(bad, ","), #state.get("v1")
                """);

        assertThat(result.tojstring(1)).isEmpty();
        assertThat(result.toint(2)).isEqualTo(4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void keysThatDifferInBytesStayDifferentKeys(String name, java.util.function.Supplier<StateStore> factory) {
        Varargs result = lua(factory).run(SAMPLES + """
                for i, s in ipairs(samples) do
                    if s ~= "" then state.set("k:" .. s, i) end
                end
                local bad = {}
                for i, s in ipairs(samples) do
                    if s ~= "" and state.get("k:" .. s) ~= i then bad[#bad + 1] = i end
                end
                local keys = state.keys("k:*")
                local found = {}
                for _, k in ipairs(keys) do found[k] = true end
                for i, s in ipairs(samples) do
                    if s ~= "" and not found["k:" .. s] then bad[#bad + 1] = "keys " .. i end
                end
                state.list_push("l:\\xff", "\\xfe")
                return table.concat(bad, ","), #keys, state.exists("k:\\xe0\\x9f\\x98\\x80"),
                    state.keys("k:\\0*")[1], state.list_pop("l:\\xff")
                """);

        assertThat(result.tojstring(1)).isEmpty();
        assertThat(result.toint(2)).isEqualTo(8);
        assertThat(result.toboolean(3)).isTrue();
        assertThat(result.arg(4).isnil()).isTrue(); // no key starts with "k:" NUL: the glob matches nothing, everywhere
        assertThat(bytes(result.arg(5).strvalue())).containsExactly(0xfe);
    }

    @Test
    void validUtf8IsStoredAsItsTextAndOtherBytesAsPrivateUseCharacters() {
        LuaHarness lua = lua(MemoryStateStore::ofDefaults);

        lua.run("state.set('emoji', '\\xf0\\x9f\\x98\\x80'); state.set('raw', 'a\\xff\\0')");

        assertThat(store.get("emoji")).contains(StateValue.of("\uD83D\uDE00"));
        assertThat(store.get("raw")).contains(StateValue.of("a\uF7FF\uF700"));
    }

    @Test
    void theMappingIsOneToOne() {
        for (int b = 0; b < 256; b++) {
            for (int c = 0; c < 256; c += 17) {
                LuaString s = LuaString.valueUsing(new byte[] {(byte) b, (byte) c, (byte) 0x80});
                String text = LuaValues.text(s);
                assertThat(StateValue.of(text).asString()).isEqualTo(text); // the store accepts it
                assertThat(LuaValues.bytes(text)).isEqualTo(s);
            }
        }
    }

    @Test
    void scriptSourceIsReadAsUtf8BytesAndABomIsSkipped() {
        LuaHarness lua = new LuaHarness();

        Varargs result = LuaSandbox.run(lua.globals, "\uFEFFreturn #'😀', '😀' == '\\xf0\\x9f\\x98\\x80'", "bom.lua");

        assertThat(result.toint(1)).isEqualTo(4);
        assertThat(result.toboolean(2)).isTrue();
    }

    private static int[] bytes(LuaString s) {
        int[] bytes = new int[s.length()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = s.luaByte(i);
        }
        return bytes;
    }
}
