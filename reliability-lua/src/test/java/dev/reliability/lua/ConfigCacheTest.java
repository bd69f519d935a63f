package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/** Parsed configs are reused only while the table's fields are unchanged. */
class ConfigCacheTest {
    private final LuaHarness lua = new LuaHarness();

    @Test
    void aRetryConfigEditedAfterUseIsReadAgain() {
        Varargs result = lua.run("""
                local calls = 0
                local function failing() calls = calls + 1; return nil, "down" end
                local cfg = {max_attempts = 2, initial_delay = 0}
                reliability.retry_with_config(cfg, failing)
                local first = calls
                cfg.max_attempts = 4
                reliability.retry_with_config(cfg, failing)
                local ok, err = pcall(reliability.retry_with_config, {max_attempts = 0}, failing)
                return first, calls - first, err
                """);

        assertThat(result.toint(1)).isEqualTo(2);
        assertThat(result.toint(2)).isEqualTo(4);
        assertThat(result.tojstring(3))
                .isEqualTo("bad argument #1 to 'retry_with_config' ('max_attempts': integer >= 1 expected, got 0)");
    }

    @Test
    void aKeyTheTableLackedWhenFirstReadIsSeenWhenAddedLater() {
        Varargs result = lua.run("""
                local calls = 0
                local function failing() calls = calls + 1; return nil, "down" end
                local cfg = {initial_delay = 0}
                reliability.retry_with_config(cfg, failing)
                local first = calls
                cfg.max_attempts = 1
                reliability.retry_with_config(cfg, failing)
                cfg.max_attempts = nil
                reliability.retry_with_config(cfg, failing)
                return first, calls
                """);

        assertThat(result.toint(1)).isEqualTo(3); // the default
        assertThat(result.toint(2)).isEqualTo(3 + 1 + 3);
    }

    @Test
    void anInlineTableWithTheSameValuesAndANewCallbackIsHonoured() {
        Varargs result = lua.run("""
                local seen = {}
                for i = 1, 2 do
                    reliability.retry_with_config({max_attempts = 2, initial_delay = 0,
                        on_retry = function() seen[#seen + 1] = i end}, function() return nil, "x" end)
                end
                return table.concat(seen, ",")
                """);

        assertThat(result.tojstring(1)).isEqualTo("1,2");
    }

    @Test
    void aBreakerConfigWithANewCallbackIsReadAgainButTheBreakerKeepsItsFirstConfig() {
        Varargs result = lua.run("""
                local log = {}
                local cfg = {max_failures = 1, on_state_change = function(from, to) log[#log + 1] = "a" end}
                reliability.circuit_breaker("c", cfg, function() return true end)
                cfg.on_state_change = function(from, to) log[#log + 1] = "b:" .. to end
                cfg.max_failures = 5
                reliability.circuit_breaker("c", cfg, function() return nil, "boom" end)
                return table.concat(log, ","), reliability.get_circuit_stats("c").state
                """);

        assertThat(result.tojstring(1)).isEqualTo("b:open");
        assertThat(result.tojstring(2)).isEqualTo("open");
    }

    @Test
    void aBreakerRemovedFromTheRegistryIsCreatedAgain() {
        lua.run("cfg = {max_failures = 1}; reliability.circuit_breaker('gone', cfg, function() return nil end)");
        lua.registry.remove("gone");

        Varargs result = lua.run("""
                local r = reliability.circuit_breaker('gone', cfg, function() return 'ran' end)
                return r, reliability.get_circuit_stats('gone').state
                """);

        assertThat(result.tojstring(1)).isEqualTo("ran");
        assertThat(result.tojstring(2)).isEqualTo("closed");
    }

    @Test
    void aKeyRemovedAndAnotherAddedBetweenTwoCallsIsSeen() {
        Varargs result = lua.run("""
                local log = {}
                local cfg = {max_failures = 1, timeout = 60}
                reliability.circuit_breaker("swap", cfg, function() return true end)
                cfg.timeout = nil -- the table holds as many keys as before
                cfg.on_state_change = function(from, to) log[#log + 1] = to end
                reliability.circuit_breaker("swap", cfg, function() return nil, "boom" end)
                return table.concat(log, ",")
                """);

        assertThat(result.tojstring(1)).isEqualTo("open");
    }

    @Test
    void aKeyAddedToATableWithRoomForItIsSeen() {
        Varargs result = lua.run("""
                local calls = 0
                local function failing() calls = calls + 1; return nil, "down" end
                local cfg = {initial_delay = 0, max_delay = 1, strategy = "fixed"} -- room for a fourth key
                reliability.retry_with_config(cfg, failing)
                local first = calls
                cfg.max_attempts = 5
                reliability.retry_with_config(cfg, failing)
                return first, calls - first
                """);

        assertThat(result.toint(1)).isEqualTo(3); // the default
        assertThat(result.toint(2)).isEqualTo(5);
    }

    @Test
    void aTableWhoseFieldsComeFromAMetatableIsReadOnEveryCall() {
        Varargs result = lua.run("""
                local calls = 0
                local function failing() calls = calls + 1; return nil, "down" end
                local defaults = {max_attempts = 2, initial_delay = 0}
                local cfg = setmetatable({}, {__index = defaults})
                reliability.retry_with_config(cfg, failing)
                local first = calls
                defaults.max_attempts = 4
                reliability.retry_with_config(cfg, failing)
                return first, calls - first
                """);

        assertThat(result.toint(1)).isEqualTo(2);
        assertThat(result.toint(2)).isEqualTo(4);
    }

    @Test
    void theFastCheckCountsTheTablesEntries() {
        LuaTable table = new LuaTable();
        table.set("a", 1);
        table.set("b", 2);
        int before = ConfigCache.hashEntries(table);
        table.set("c", 3);
        int added = ConfigCache.hashEntries(table);
        table.set("a", LuaValue.NIL);

        assertThat(before).isEqualTo(2); // the JVM lets the cache read LuaJ's count: the fast check is in use
        assertThat(added).isEqualTo(3);
        assertThat(ConfigCache.hashEntries(table)).isEqualTo(2);
    }
}
