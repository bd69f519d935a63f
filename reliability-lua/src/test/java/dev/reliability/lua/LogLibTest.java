package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogLibTest {
    private final LuaHarness lua = new LuaHarness();

    @Test
    void eachLevelLogsTheMessageAndSortedFields() {
        lua.run("""
                log.debug("d")
                log.info("Service metrics", {circuit_state = "closed", failure_count = 3, success_rate = 99.5})
                log.warn("w", {note = "two words"})
                log.error(reliability.retryable("typed"))
                log.info(42, {})
                """);

        assertThat(lua.logLines)
                .containsExactly(
                        "DEBUG d",
                        "INFO Service metrics circuit_state=closed failure_count=3 success_rate=99.5",
                        "WARNING w note=\"two words\"",
                        "ERROR typed",
                        "INFO 42");
    }

    @Test
    void theModuleIsAlsoRequirable() {
        assertThat(lua.run("return require('log') == log").toboolean(1)).isTrue();
    }
}
