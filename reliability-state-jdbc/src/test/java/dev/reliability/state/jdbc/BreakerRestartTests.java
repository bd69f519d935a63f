package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.TimeSource;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.registry.Registry;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A breaker survives restarts: two JVMs run in turn on one store, the test's own and a real second {@code java}
 * process. Subclasses name the store.
 */
abstract class BreakerRestartTests {
    static final long OPEN_MS = 30_000;

    /** The {@link BreakerNode} arguments that open the store. */
    abstract String[] storeArgs();

    private String[] nodeArgs() {
        String[] store = storeArgs();
        String[] args = java.util.Arrays.copyOf(store, store.length + 3);
        args[store.length] = "any";
        args[store.length + 1] = "1000";
        args[store.length + 2] = Long.toString(OPEN_MS);
        return args;
    }

    @Test
    void countsCarryOnAndAnOpenBreakerKeepsItsRemainingTimeAcrossRestarts() throws Exception {
        TimeSource time = TimeSource.system();
        // Given a first JVM that counted two failures and exited
        try (BreakerNodes first = BreakerNodes.start(nodeArgs())) {
            assertThat(first.ask("fail 2")).isEqualTo("closed");
        }

        // When this JVM carries on with one more failure, which opens the breaker
        long openedAt;
        try (JdbcStateStore store = BreakerNode.open(storeArgs());
                Registry registry = Registry.builder()
                        .stateStore(store)
                        .storeTimeout(Duration.ofSeconds(2)) // start from the stored state, however cold the JVM
                        .build()) {
            CircuitBreaker breaker = registry.circuitBreaker(BreakerNode.BREAKER, BreakerNode.config(OPEN_MS));
            assertThat(breaker.stats().consecutiveFailures()).isEqualTo(2);
            assertThat(breaker.tryAcquirePermission()).isTrue();
            breaker.onError(0, new IOException("service down"));
            openedAt = time.millis();
            assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        }

        // Then a third JVM finds it open for the remaining time only
        try (BreakerNodes third = BreakerNodes.start(nodeArgs())) {
            assertThat(third.ask("state")).startsWith("open");
            // The third JVM answers between these two readings, so its remaining time lies between their bounds, give
            // or take the stored deadline's conversions between the wall clock and the monotonic one: each pairs two
            // clock readings that a loaded scheduler may separate by milliseconds (10 ms seen under load 16).
            long asked = time.millis();
            long retryAfter = Long.parseLong(third.ask("retryAfter"));
            long answered = time.millis();
            assertThat(retryAfter)
                    .isLessThanOrEqualTo(OPEN_MS - (asked - openedAt) + 100)
                    .isGreaterThan(OPEN_MS - (answered - openedAt) - 2_000);
            assertThat(asked).isGreaterThan(openedAt);
        }
    }
}
