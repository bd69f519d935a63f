package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.state.memory.MemoryStateStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.luaj.vm2.Globals;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.jse.JsePlatform;

/** The sandbox's limits in one runtime: library work, sizes, the wall clock, locks, and what stays Lua's own. */
@Timeout(30)
class LuaLimitsTest {
    private final LuaHarness lua = new LuaHarness(ReliabilityLua.builder().instructionLimit(200_000));

    /** Runs one expression and joins all its results with {@code |}. */
    private String all(String expression) {
        Varargs results = lua.run("return " + expression);
        StringBuilder joined = new StringBuilder();
        for (int i = 1; i <= results.narg(); i++) {
            joined.append(i > 1 ? "|" : "").append(results.arg(i).tojstring());
        }
        return joined.toString();
    }

    @Test
    void patternsBehaveAsLuas() {
        assertThat(all("string.find('key = value; x=2', '(%w+)%s*=%s*(%w+)')")).isEqualTo("1|11|key|value");
        assertThat(all("('key = value'):match('^(%w+)')")).isEqualTo("key");
        assertThat(all("('a.b'):find('.', 1, true)")).isEqualTo("2|2");
        assertThat(all("('hello world'):find('o', -5)")).isEqualTo("8|8");
        assertThat(all("('hello world'):match('()o()')")).isEqualTo("5|6");
        assertThat(all("('THE (quick) fox'):find('%((%a+)%)')")).isEqualTo("5|11|quick");
        assertThat(all("('x [[y]] z'):match('%b[]')")).isEqualTo("[[y]]");
        assertThat(all("('THE quick'):match('%f[%a]%a+', 4)")).isEqualTo("quick");
        assertThat(all("('aaa'):match('a-$')")).isEqualTo("aaa");
        assertThat(all("('x'):find('')")).isEqualTo("1|0");
        assertThat(all("('abc'):find('b', 10)")).isEqualTo("nil");
        assertThat(all("('abab'):match('(ab)%1')")).isEqualTo("ab");
        assertThat(all("('  trim  '):match('^%s*(.-)%s*$')")).isEqualTo("trim");
        assertThat(all("('[x]'):match('[%[]')")).isEqualTo("[");
        assertThat(all("('2024-01-05'):match('(%d+)-(%d+)-(%d+)')")).isEqualTo("2024|01|05");

        assertThat(all("('hello world'):gsub('o', '0')")).isEqualTo("hell0 w0rld|2");
        assertThat(all("('hello'):gsub('', '-')")).isEqualTo("-h-e-l-l-o-|6");
        assertThat(all("('$name is $age'):gsub('%$(%w+)', {name = 'Ann', age = 7})"))
                .isEqualTo("Ann is 7|2");
        assertThat(all("('abc'):gsub('%w', function(c) return c:upper() .. '.' end)"))
                .isEqualTo("A.B.C.|3");
        assertThat(all("('hello world'):gsub('(%w+) (%w+)', '%2 %1 %%')")).isEqualTo("world hello %|1");
        assertThat(all("('abc'):gsub('b', 'x', 0)")).isEqualTo("abc|0");
        assertThat(all("('aaa'):gsub('^a', 'b')")).isEqualTo("baa|1");
        assertThat(all("('abc'):gsub('b', {b = false})")).isEqualTo("abc|1");
        assertThat(lua.run("""
                        local words = {}
                        for k, v in ("a=1, b=2"):gmatch("(%w+)=(%w+)") do words[#words + 1] = k .. v end
                        for w in ("one two"):gmatch("%a+") do words[#words + 1] = w end
                        return table.concat(words, ",")
                        """).tojstring(1)).isEqualTo("a1,b2,one,two");
    }

    @Test
    void malformedPatternsRaiseLuasMessages() {
        assertThat(lua.error("return ('x'):find('%')")).contains("malformed pattern (ends with '%')");
        assertThat(lua.error("return ('x'):find('[a')")).contains("malformed pattern (missing ']')");
        assertThat(lua.error("return ('x'):match('(x')")).contains("unfinished capture");
        assertThat(lua.error("return ('x'):match('x)')")).contains("invalid pattern capture");
        assertThat(lua.error("return ('x'):gsub('x', true)"))
                .contains("bad argument #3 to 'gsub' (string/function/table expected, got boolean)");
        assertThat(lua.error("return ('x'):gsub('x', {x = {}})")).contains("invalid replacement value (a table)");
        assertThat(lua.error("return ('x'):rep(300):match(('(x?)'):rep(40))")).contains("too many captures");
    }

    @Test
    void backtrackingPatternsAndBigCopiesAreCharged() {
        assertThat(lua.error("return string.find(string.rep('a', 3000), '.-.-.-.-b')"))
                .isEqualTo("test.lua: instruction limit of 200000 exceeded");
        assertThat(lua.error("local s = ('x'):rep(2^20) for i = 1, 10 do s:upper() end"))
                .isEqualTo("test.lua: instruction limit of 200000 exceeded");
        assertThat(lua.error("while true do string.rep('', 1e300) end"))
                .isEqualTo("test.lua: instruction limit of 200000 exceeded");
        assertThat(lua.error("local s = ('x'):rep(2^20) local t = {} for i = 1, 100 do t[i] = s end"
                        + " local r = table.concat(t) return r"))
                .contains("concat: result of 104857600 bytes exceeds the size limit");
        assertThat(lua.error("return table.unpack({}, 1, 1e8)")).contains("unpack: result of");
        LuaHarness unlimited = new LuaHarness(ReliabilityLua.builder().instructionLimit(0));
        assertThat(unlimited
                        .run("local s = ('x'):rep(2^22) return s:byte(), s:byte(-1), #s:sub(2)")
                        .toint(3))
                .isEqualTo((1 << 22) - 1);
        assertThat(unlimited.error("local s = ('x'):rep(2^22) local n = select('#', s:byte(1, -1)) return n"))
                .contains("byte: result of 33554432 bytes exceeds the size limit");
    }

    @Test
    void collectgarbageCollectsNothingButStillCounts() {
        Varargs result = lua.run("return collectgarbage(), collectgarbage('step'), collectgarbage('count') > 0");

        assertThat(result.toint(1)).isZero();
        assertThat(result.toboolean(2)).isTrue();
        assertThat(result.toboolean(3)).isTrue();
        assertThat(lua.error("while true do collectgarbage() end"))
                .isEqualTo("test.lua: instruction limit of 200000 exceeded");
    }

    @Test
    void theWallClockEndsAWaitEvenOnAVirtualClock() {
        LuaHarness timed = new LuaHarness(ReliabilityLua.builder().timeLimit(Duration.ofSeconds(2)));

        assertThat(timed.error("return reliability.retry_with_config({strategy = 'linear', initial_delay = 9e9,"
                        + " max_delay = 9e9}, function() return nil, 'down' end)"))
                .isEqualTo("test.lua: time limit of 2s exceeded");
        assertThat(timed.time.sleeps().stream().reduce(Duration.ZERO, Duration::plus))
                .isEqualTo(Duration.ofSeconds(2)); // the wait ends exactly at the limit
        assertThat(timed.run("return 1 + 1").toint(1)).isEqualTo(2); // the next run starts afresh
    }

    @Test
    void aFailedRunReleasesTheLocksItTookAndAReturningRunKeepsThem() {
        MemoryStateStore store = MemoryStateStore.ofDefaults();
        LuaHarness first =
                new LuaHarness(ReliabilityLua.builder().stateStore(store).instructionLimit(100_000));
        LuaHarness second = new LuaHarness(ReliabilityLua.builder().stateStore(store));

        assertThat(first.error("state.lock('job', 1) while true do end")).contains("instruction limit");
        assertThat(second.run("return state.try_lock('job', 5)").toboolean(1)).isTrue();
        assertThat(first.run("return state.try_lock('kept', 5)").toboolean(1)).isTrue();
        assertThat(second.run("return state.try_lock('kept', 5)").toboolean(1)).isFalse();
    }

    @Test
    void aPlainLuajRuntimeBesideTheSandboxKeepsLuajsStringMethods() {
        lua.run("return ('x'):upper()"); // the sandbox's metatable is in place
        Globals plain = JsePlatform.standardGlobals();

        Varargs result = plain.load("return ('ab'):rep(3), #('x'):rep(2^25), string.dump ~= nil")
                .invoke();

        assertThat(result.tojstring(1)).isEqualTo("ababab");
        assertThat(result.toint(2)).isEqualTo(1 << 25); // beyond the sandbox's 16 MiB cap: LuaJ's own rep
        assertThat(result.toboolean(3)).isTrue();
        assertThat(lua.error("return ('x'):rep(2^25)")).contains("exceeds the string size limit");
    }

    @Test
    void builderRejectsBadLimits() {
        assertThatThrownBy(() -> ReliabilityLua.builder().timeLimit(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeLimit must not be negative, was PT-1S");
        assertThatThrownBy(() -> ReliabilityLua.builder().httpBodyLimit(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("httpBodyLimit must be from 1 to 16777216 bytes, was 0");
        assertThat(ReliabilityLua.builder().build().timeLimit()).isEqualTo(ReliabilityLua.DEFAULT_TIME_LIMIT);
    }
}
