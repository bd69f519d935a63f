package dev.reliability.state.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.registry.Registry;
import dev.reliability.registry.SharingPolicy;
import dev.reliability.state.StateStore;
import dev.reliability.testing.ManualScheduler;
import dev.reliability.testing.ManualTimeSource;
import dev.reliability.testing.SwitchableStateStore;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The breakers' sync logic on the Caffeine store, in virtual time: each registry plays one JVM, and the store's expiry
 * and the breakers read the same {@link ManualTimeSource}; the registries' sync workers run on one {@link
 * ManualScheduler}, with no flush delay, so {@link #flush()} writes what callers queued.
 */
class SharedBreakerTest {
    private final ManualTimeSource time = new ManualTimeSource();
    private final ManualScheduler sync = new ManualScheduler(time);
    private final StateStore store = MemoryStateStore.builder().timeSource(time).build();
    private final CircuitBreakerConfig config = CircuitBreakerConfig.builder()
            .failureThreshold(3)
            .openDuration(Duration.ofSeconds(30))
            .build();

    private CircuitBreaker node(StateStore on, SharingPolicy policy, CircuitBreakerListener... listeners) {
        Registry.Builder builder = Registry.builder()
                .timeSource(time)
                .stateStore(on)
                .sharingPolicy(policy)
                .syncInterval(Duration.ofMillis(500))
                .flushDelay(Duration.ZERO)
                .syncExecutor(sync);
        for (CircuitBreakerListener l : listeners) {
            builder.listener(l);
        }
        return builder.build().circuitBreaker("inventory", config);
    }

    private void flush() {
        sync.runDue();
    }

    private static void fail(CircuitBreaker breaker, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(breaker.tryAcquirePermission()).isTrue();
            breaker.onError(0, new IOException("down"));
        }
    }

    @Test
    void aRestartResumesTheRemainingOpenTimeAndTheCounts() {
        fail(node(store, SharingPolicy.ANY_NODE), 2);
        flush();
        CircuitBreaker second = node(store, SharingPolicy.ANY_NODE);
        fail(second, 1);
        flush();
        sync.advance(Duration.ofSeconds(12));

        CircuitBreaker third = node(store, SharingPolicy.ANY_NODE);

        assertThat(third.state()).isEqualTo(CircuitState.OPEN);
        sync.advance(Duration.ofMillis(17_999));
        assertThat(third.tryAcquirePermission()).isFalse();
        sync.advance(Duration.ofMillis(1));
        assertThat(third.tryAcquirePermission()).isTrue();
    }

    @Test
    void anOpenIsAdoptedByTheSyncIntervalsRefreshWithoutACall() {
        CircuitBreaker a = node(store, SharingPolicy.ANY_NODE);
        CircuitBreaker b = node(store, SharingPolicy.ANY_NODE);
        fail(a, 3);

        sync.advance(Duration.ofMillis(499));
        assertThat(b.tryAcquirePermission()).isTrue();
        b.onSuccess(0);
        sync.advance(Duration.ofMillis(1)); // the worker's refresh, on its own

        assertThat(b.tryAcquirePermission()).isFalse();
    }

    @Test
    void oneTrialAcrossThreeNodes() {
        CircuitBreaker a = node(store, SharingPolicy.ANY_NODE);
        CircuitBreaker b = node(store, SharingPolicy.ANY_NODE);
        CircuitBreaker c = node(store, SharingPolicy.ANY_NODE);
        fail(a, 3);
        sync.advance(Duration.ofMillis(500));
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        assertThat(c.state()).isEqualTo(CircuitState.OPEN);
        sync.advance(Duration.ofSeconds(30));

        int trials = 0;
        for (int round = 0; round < 10; round++) {
            for (CircuitBreaker node : new CircuitBreaker[] {c, b, a}) {
                trials += node.tryAcquirePermission() ? 1 : 0;
            }
        }

        assertThat(trials).isEqualTo(1);
    }

    @Test
    void anOutageIsReportedOnceAndTheLocalOpenIsReconciled() {
        SwitchableStateStore switchable = new SwitchableStateStore(store);
        AtomicInteger events = new AtomicInteger();
        CircuitBreaker a = node(switchable.store(), SharingPolicy.ANY_NODE, new CircuitBreakerListener() {
            @Override
            public void onStoreUnavailable(String breakerName, RuntimeException cause) {
                events.incrementAndGet();
            }
        });
        CircuitBreaker b = node(store, SharingPolicy.ANY_NODE);
        switchable.available(false);

        fail(a, 3);
        flush();
        for (int i = 0; i < 50; i++) {
            sync.advance(Duration.ofMillis(100));
            assertThat(a.tryAcquirePermission()).isFalse();
        }
        switchable.available(true);
        sync.advance(Duration.ofMillis(500));
        assertThat(a.tryAcquirePermission()).isFalse();
        sync.advance(Duration.ofMillis(500));

        assertThat(events).hasValue(1);
        assertThat(switchable.refused()).isBetween(1L, 11L); // one attempt per sync interval while down
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void localOnlyKeepsItsStateAcrossARestartButNeverAdopts() {
        CircuitBreaker a = node(store, SharingPolicy.LOCAL_ONLY);
        CircuitBreaker b = node(store, SharingPolicy.LOCAL_ONLY);
        fail(a, 3);
        sync.advance(Duration.ofSeconds(1));

        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(node(store, SharingPolicy.LOCAL_ONLY).state()).isEqualTo(CircuitState.OPEN);
    }
}
