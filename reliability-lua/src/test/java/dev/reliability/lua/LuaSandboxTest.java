package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

class LuaSandboxTest {
    private final LuaHarness lua = new LuaHarness(ReliabilityLua.builder().instructionLimit(200_000));

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "io",
                "debug",
                "luajava",
                "dofile",
                "loadfile",
                "os.execute",
                "os.exit",
                "os.getenv",
                "os.remove",
                "os.rename",
                "os.tmpname",
                "string.dump",
                "package.loadlib",
                "package.searchpath",
                "http"
            })
    void dangerousGlobalsAreAbsent(String name) {
        assertThat(lua.run("return " + name).arg1().isnil()).as(name).isTrue();
    }

    @Test
    void escapeAttemptsEndInCleanErrors() {
        assertThat(lua.error("os.execute('touch /tmp/owned')")).isEqualTo("test.lua:1: attempt to call nil");
        assertThat(lua.error("io.open('/etc/passwd')")).isEqualTo("test.lua:1: attempt to index ? (a nil value)");
        assertThat(lua.error("luajava.bindClass('java.lang.System')"))
                .isEqualTo("test.lua:1: attempt to index ? (a nil value)");
        assertThat(lua.error("dofile('/etc/passwd')")).isEqualTo("test.lua:1: attempt to call nil");
        assertThat(lua.error("require('java.lang.System')"))
                .startsWith("test.lua:1: module 'java.lang.System' not found")
                .doesNotContain("java.lang.ClassNotFound");
        assertThat(lua.error("require('os.execute')")).startsWith("test.lua:1: module 'os.execute' not found");
    }

    @Test
    void binaryChunksAreRefused() {
        Varargs result = lua.run("return load('\\27Lua\\82\\0')");

        assertThat(result.arg1().isnil()).isTrue();
        assertThat(result.tojstring(2)).isEqualTo("attempt to load a binary chunk (mode is 't')");
        assertThat(lua.run("return load('return 1 + 1')()").toint(1)).isEqualTo(2);
        assertThat(lua.run("return load('return 7', 'x', 'b')").tojstring(2))
                .isEqualTo("attempt to load a text chunk (mode is 'b')");
        assertThat(lua.run("local parts = {'return ', '40 + 2'}; local i = 0;"
                                + " return load(function() i = i + 1; return parts[i] end)()")
                        .toint(1))
                .isEqualTo(42);
        assertThat(lua.run("return load('return +')").tojstring(2)).startsWith("[string \"return +\"]:1: ");
    }

    @Test
    void theStringMetatableCannotBeChangedAndIsNotSharedThroughScripts() {
        assertThat(lua.error("getmetatable('').__index.upper = function() return 'owned' end"))
                .isEqualTo("test.lua:1: attempt to modify a read-only table");
        assertThat(lua.error("getmetatable('').__index = {}"))
                .isEqualTo("test.lua:1: attempt to modify a read-only table");
        lua.run("string.upper = function() return 'owned' end");

        LuaHarness next = new LuaHarness();
        assertThat(next.run("return ('abc'):upper(), string.upper('abc')").tojstring(1))
                .isEqualTo("ABC");
        assertThat(next.run("return string.upper('abc')").tojstring(1)).isEqualTo("ABC");
    }

    @Test
    @Timeout(30)
    void anInfiniteLoopHitsTheInstructionLimit() {
        assertThat(lua.error("while true do end")).isEqualTo("test.lua: instruction limit of 200000 exceeded");
    }

    @Test
    @Timeout(30)
    void theLimitHoldsInsidePcall() {
        assertThat(lua.error("local ok, err = pcall(function() while true do end end); return 'escaped'"))
                .isEqualTo("test.lua: instruction limit of 200000 exceeded");
    }

    @Test
    @Timeout(30)
    void theLimitHoldsInsideRetryCallbacks() {
        assertThat(lua.error("reliability.retry_with_config({initial_delay = 0, on_retry = function()"
                        + " while true do end end}, function() return nil end)"))
                .isEqualTo("test.lua: instruction limit of 200000 exceeded");
        assertThat(lua.error("reliability.retry(3, 0, function() while true do end end)"))
                .isEqualTo("test.lua: instruction limit of 200000 exceeded");
    }

    @Test
    void eachRunGetsAFreshBudget() {
        for (int run = 0; run < 5; run++) {
            assertThat(lua.run("local n = 0; for i = 1, 20000 do n = n + i end; return n")
                            .toint(1))
                    .isEqualTo(200010000);
        }
    }

    @Test
    @Timeout(30)
    void stringRepBombsAreRefused() {
        assertThat(lua.error("local s = string.rep('x', 2^31)"))
                .isEqualTo("test.lua:1: bad argument #2 to 'rep' (resulting string of 2147483648 bytes exceeds the "
                        + "string size limit of 16777216 bytes)");
        assertThat(lua.error("local s = ('x'):rep(1e12)")).contains("exceeds the string size limit of 16777216 bytes");
        assertThat(lua.run("return string.rep('ab', 3, ','), ('x'):rep(0), string.rep('x', -1)")
                        .tojstring(1))
                .isEqualTo("ab,ab,ab");
    }

    @Test
    @Timeout(30)
    void aRunawayTableHitsALimit() {
        assertThat(lua.error("local t = {}; local i = 0; while true do i = i + 1; t[i] = i end"))
                .isEqualTo("test.lua: instruction limit of 200000 exceeded");
    }

    @Test
    void theHeapGuardNamesTheMemoryLimit() {
        ResourceGuard guard = new ResourceGuard(0, 0.0, java.time.Duration.ZERO, dev.reliability.TimeSource.system());

        assertThatThrownBy(() -> guard.checkHeap(0))
                .isInstanceOf(ScriptLimitError.class)
                .hasMessageStartingWith("memory limit exceeded: ");
    }

    @Test
    @Timeout(30)
    void theJvmIsHealthyAfterLimitsAndEscapes() {
        lua.error("while true do end");
        lua.error("string.rep('x', 1e10)");
        lua.error("local function f() return f() + 1 end return f()");

        assertThat(lua.run("return 1 + 1").toint(1)).isEqualTo(2);
        assertThat(new LuaHarness().run("return ('ok'):upper()").tojstring(1)).isEqualTo("OK");
    }

    @Test
    void errorsReadAsLuasOwnWithoutJavaNames() {
        assertThat(lua.error("error('plain')")).isEqualTo("test.lua:1: plain");
        assertThat(lua.error("local x = nil; return x.field"))
                .isEqualTo("test.lua:1: attempt to index ? (a nil value)");
        assertThat(lua.error("\n\nlocal t = {} .. 1")).startsWith("test.lua:3: attempt to concatenate");
        assertThat(lua.error("return +")).startsWith("test.lua:1: ").doesNotContain("java");
        assertThat(LuaErrors.normalize("vm error: java.lang.NegativeArraySizeException: -5"))
                .isEqualTo("negative array size");
        assertThat(LuaErrors.normalize("x.lua:3 vm error: java.lang.IllegalStateException"))
                .isEqualTo("x.lua:3: illegal state");
    }

    @Test
    void osKeepsOnlyTimeFunctionsReadFromTheTimeSource() {
        Varargs before = lua.run("return os.time(), os.clock()");
        lua.time.advance(Duration.ofSeconds(90));
        Varargs after = lua.run("return os.time(), os.clock(), os.date('!%Y', 0), os.difftime(10, 4),"
                + " os.time({year = 2030, month = 1, day = 1, hour = 0})");

        assertThat(after.todouble(1) - before.todouble(1)).isEqualTo(90.0);
        assertThat(after.todouble(2) - before.todouble(2)).isEqualTo(90.0);
        assertThat(after.tojstring(3)).isEqualTo("1970");
        assertThat(after.todouble(4)).isEqualTo(6.0);
        assertThat(after.todouble(5)).isPositive();
    }

    @Test
    void argumentsReachTheChunk() {
        Globals globals = LuaSandbox.create(ReliabilityLua.builder().build());

        Varargs result = LuaSandbox.run(
                globals, "return select('#', ...), ...", "args.lua", LuaValue.valueOf("a"), LuaValue.valueOf(2));

        assertThat(result.toint(1)).isEqualTo(2);
        assertThat(result.tojstring(2)).isEqualTo("a");
    }

    @Test
    void runRejectsForeignGlobalsAndNulls() {
        assertThatThrownBy(() -> LuaSandbox.run(new Globals(), "return 1", "x.lua"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("globals must come from LuaSandbox.create");
        assertThatThrownBy(() -> LuaSandbox.create(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ReliabilityLua.builder().instructionLimit(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("instructionLimit must be >= 0, was -1");
    }

    @Test
    void syntaxErrorsNameTheChunkAndLine() {
        assertThatThrownBy(() -> lua.run("local x = = 1"))
                .isInstanceOf(LuaError.class)
                .hasMessageStartingWith("test.lua:1: ");
    }
}
