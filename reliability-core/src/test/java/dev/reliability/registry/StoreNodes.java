package dev.reliability.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.state.SimpleStateStore;
import dev.reliability.state.StateStore;
import dev.reliability.testing.ManualScheduler;
import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.time.Duration;

/**
 * The setup the persistent-breaker tests share: virtual time, one backing store, the breaker config they count on, and
 * registries that each play one JVM, their sync workers on one {@link ManualScheduler} in that time. One per test;
 * not thread-safe beyond what its parts are.
 */
final class StoreNodes {
    final ManualTimeSource time = new ManualTimeSource();
    /** Runs every node's sync worker, in virtual time: {@code advance} for refreshes, {@code runDue} for flushes. */
    final ManualScheduler sync = new ManualScheduler(time);
    /** The store every node shares, unless a test puts a faulty or counting store in front of it. */
    final StateStore backing = new SimpleStateStore(time);
    /** Opens after three consecutive failures, for 30 seconds. */
    final CircuitBreakerConfig config = CircuitBreakerConfig.builder()
            .failureThreshold(3)
            .openDuration(Duration.ofSeconds(30))
            .build();

    /** A node on {@code store}: virtual time, a one-second sync interval, its worker on {@link #sync}. */
    Registry.Builder builder(StateStore store) {
        return Registry.builder()
                .timeSource(time)
                .stateStore(store)
                .syncInterval(Duration.ofSeconds(1))
                .syncExecutor(sync);
    }

    /** A node on {@code store} with no flush delay, so {@code sync.runDue()} writes what its callers queued. */
    Registry node(StateStore store) {
        return builder(store).flushDelay(Duration.ZERO).build();
    }

    /** Records {@code times} failures, each on a permit the breaker must grant. */
    static void fail(CircuitBreaker breaker, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(breaker.tryAcquirePermission()).isTrue();
            breaker.onError(0, new IOException("down"));
        }
    }

    /** Records one success, on a permit the breaker must grant. */
    static void succeed(CircuitBreaker breaker) {
        assertThat(breaker.tryAcquirePermission()).isTrue();
        breaker.onSuccess(0);
    }
}
