package dev.reliability.registry;

import static dev.reliability.registry.StoreNodes.fail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.state.StateStore;
import dev.reliability.state.StateValue;
import dev.reliability.testing.ManualScheduler;
import dev.reliability.testing.ManualTimeSource;
import dev.reliability.testing.SwitchableStateStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The registry's sync worker: store load, pushed changes and the last flush on close, in virtual time. */
class SyncWorkerTest {
    private final StoreNodes nodes = new StoreNodes();
    private final ManualTimeSource time = nodes.time;
    private final ManualScheduler sync = nodes.sync;
    private final StateStore backing = nodes.backing;
    private final SwitchableStateStore counted = new SwitchableStateStore(backing);
    private final CircuitBreakerConfig config = nodes.config;

    private Registry.Builder node(StateStore store) {
        return nodes.builder(store);
    }

    /** A field of a breaker's stored record. */
    private StateValue stored(String breaker, String field) {
        return backing.get("reliability:breaker:" + breaker)
                .orElseThrow()
                .asMap()
                .get(field);
    }

    // ---------------------------------------------------------------- store load

    @Test
    void aThousandIdleBreakersCostOneStoreRoundTripPerSyncInterval() {
        Registry registry = node(counted.store()).build();
        for (int i = 0; i < 1_000; i++) {
            registry.circuitBreaker("breaker-" + i, config);
        }
        counted.resetCounts();

        sync.advance(Duration.ofSeconds(10));

        assertThat(counted.calls("getAllVersioned")).isEqualTo(10);
        assertThat(counted.totalCalls()).isEqualTo(10); // at most 2 per interval is the target
    }

    @Test
    void tenThousandBreakersAreRefreshedWellWithinTheSyncInterval() {
        Registry registry = node(counted.store()).build();
        for (int i = 0; i < 10_000; i++) {
            registry.circuitBreaker("breaker-" + i, config);
        }
        counted.resetCounts();

        // One refresh pass, run on this thread: its real time must fit in the (virtual) interval it serves.
        assertTimeoutPreemptively(Duration.ofSeconds(1), () -> sync.advance(Duration.ofSeconds(1)));

        assertThat(counted.calls("getAllVersioned")).isEqualTo(10); // chunks of 1,000 keys
        assertThat(counted.totalCalls()).isEqualTo(10);
    }

    @Test
    void aBusyBreakersFailuresCostOneWritePerFlush() {
        CircuitBreaker breaker = node(counted.store())
                .flushDelay(Duration.ofMillis(10))
                .build()
                .circuitBreaker(
                        "payments", config.toBuilder().failureThreshold(1_000).build());
        counted.resetCounts();

        fail(breaker, 500);
        sync.advance(Duration.ofMillis(10));

        assertThat(counted.calls("compareAndSetVersion")).isEqualTo(1);
        assertThat(counted.calls("getAllVersioned")).isEqualTo(1);
        assertThat(stored("payments", "failures").asLong()).isEqualTo(500);
    }

    // ---------------------------------------------------------------- pushed changes

    /** Wraps a store so that it pushes changes: the test plays the store's notifications. */
    static StateStore pushing(StateStore target, AtomicReference<StateStore.ChangeListener> listener) {
        return (StateStore) Proxy.newProxyInstance(
                StateStore.class.getClassLoader(), new Class<?>[] {StateStore.class}, (p, method, args) -> {
                    if (method.getName().equals("watch")) {
                        listener.set((StateStore.ChangeListener) args[1]);
                        return Optional.of((StateStore.Watch) () -> listener.set(null));
                    }
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aPushedChangeIsAdoptedAtOnceAndAMissedOneRefreshesEverything() {
        AtomicReference<StateStore.ChangeListener> listener = new AtomicReference<>();
        CircuitBreaker a = node(backing).flushDelay(Duration.ZERO).build().circuitBreaker("payments", config);
        Registry registryB = node(pushing(backing, listener)).build();
        CircuitBreaker b = registryB.circuitBreaker("payments", config);
        CircuitBreaker other = registryB.circuitBreaker("orders", config);
        assertThat(listener.get()).isNotNull();

        fail(a, 3);
        sync.runDue(); // a's write
        listener.get().changed("reliability:breaker:payments");

        assertThat(b.tryAcquirePermission()).isFalse(); // no sync interval has passed
        CircuitBreaker otherOnA =
                node(backing).flushDelay(Duration.ZERO).build().circuitBreaker("orders", config);
        otherOnA.forceOpen();
        sync.runDue();
        listener.get().missed();
        assertThat(other.state()).isEqualTo(CircuitState.FORCED_OPEN);
        registryB.close();
        assertThat(listener.get()).isNull(); // the watch is closed with the registry
    }

    @Test
    void whereTheStorePushesAWriteGoesOutOnTheLastReadRecordWithoutAReadFirst() {
        AtomicReference<StateStore.ChangeListener> listener = new AtomicReference<>();
        CircuitBreaker b = node(pushing(counted.store(), listener))
                .flushDelay(Duration.ZERO)
                .build()
                .circuitBreaker("payments", config);
        CircuitBreaker a = node(backing).flushDelay(Duration.ZERO).build().circuitBreaker("payments", config);
        sync.runDue();
        counted.resetCounts();

        fail(b, 1);
        sync.runDue();
        assertThat(counted.calls("compareAndSetVersion")).isEqualTo(1);
        assertThat(counted.totalCalls()).isEqualTo(1); // no read: the record read at creation is current

        fail(a, 1); // b's notification of it is still on its way
        sync.runDue();
        counted.resetCounts();
        fail(b, 1);
        sync.runDue();

        // The write on the stale record lost its compare-and-set; the record was read and the count merged.
        assertThat(counted.calls("compareAndSetVersion")).isEqualTo(2);
        assertThat(counted.calls("getVersioned")).isEqualTo(1);
        assertThat(b.state()).isEqualTo(CircuitState.OPEN); // 1 + 1 + 1: the threshold
        assertThat(stored("payments", "state").asString()).isEqualTo("open");
    }

    @Test
    void aFailureCountedDuringTheWriteOpensOnTheClusterCountAndTheOpenIsWrittenInTheSamePass() {
        CircuitBreaker a = node(backing).flushDelay(Duration.ZERO).build().circuitBreaker("payments", config);
        AtomicReference<Runnable> duringWrite = new AtomicReference<>();
        CircuitBreaker b = node(ExactTrialsTest.hooked(backing, duringWrite))
                .flushDelay(Duration.ofMillis(10))
                .build()
                .circuitBreaker("payments", config);
        fail(a, 1);
        sync.runDue(); // the record holds a's failure

        duringWrite.set(() -> fail(b, 1)); // b's caller fails again while b's worker writes its first failure
        fail(b, 1);
        sync.runDue();

        // The record holds 2; b's unwritten failure makes the cluster's 3: b opens on it at once, and writes the OPEN
        // in the same pass, not in the flush one flush delay later.
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        assertThat(stored("payments", "state").asString()).isEqualTo("open");
    }

    @Test
    void aRegistryWithoutBreakersOpensNoWatch() {
        AtomicReference<StateStore.ChangeListener> listener = new AtomicReference<>();
        Registry registry = node(pushing(backing, listener)).build();
        sync.advance(Duration.ofSeconds(5));
        assertThat(listener.get()).isNull(); // nothing to watch for: no listening connection

        registry.circuitBreaker("payments", config);
        sync.runDue();
        assertThat(listener.get()).isNotNull();
        registry.close();
        assertThat(listener.get()).isNull();
    }

    // ---------------------------------------------------------------- close

    @Test
    void closeWritesAFailureRecordedJustBeforeIt() {
        Registry registry = node(backing).flushDelay(Duration.ofHours(1)).build();
        CircuitBreaker breaker = registry.circuitBreaker("payments", config);
        fail(breaker, 1);
        assertThat(backing.get("reliability:breaker:payments")).isEmpty(); // still queued

        registry.close();

        assertThat(stored("payments", "failures").asLong()).isEqualTo(1);
        assertThatThrownBy(() -> registry.circuitBreaker("orders", config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("registry is closed");
        assertThat(breaker.tryAcquirePermission()).isTrue(); // a breaker handed out keeps working locally
        registry.close(); // twice does nothing
    }

    @Test
    void closeFlushesThroughTheRegistrysOwnWorkerThread() {
        Registry registry = Registry.builder()
                .timeSource(time)
                .stateStore(backing)
                .flushDelay(Duration.ofHours(1))
                .build(); // no syncExecutor: the registry's own daemon thread
        CircuitBreaker breaker = registry.circuitBreaker("payments", config);
        fail(breaker, 3);

        registry.close();

        assertThat(stored("payments", "state").asString()).isEqualTo("open");
    }
}
