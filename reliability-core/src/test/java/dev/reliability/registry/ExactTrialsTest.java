package dev.reliability.registry;

import static dev.reliability.registry.StoreNodes.fail;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.state.StateStore;
import dev.reliability.testing.ManualScheduler;
import dev.reliability.testing.ManualTimeSource;
import dev.reliability.testing.SwitchableStateStore;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The races behind two trials in one open period, each replayed in virtual time on one {@link ManualScheduler}: what a
 * caller does while the worker decides, and a claim whose caller stopped waiting (there only the store timeout is
 * real time).
 */
class ExactTrialsTest {
    private static final String KEY = "reliability:breaker:payments";

    private final StoreNodes nodes = new StoreNodes();
    private final ManualTimeSource time = nodes.time;
    private final ManualScheduler sync = nodes.sync;
    private final StateStore backing = nodes.backing;
    private final CircuitBreakerConfig config = nodes.config;

    private Registry node(StateStore store) {
        return nodes.builder(store)
                .flushDelay(Duration.ZERO)
                .storeTimeout(Duration.ofMillis(50))
                .build();
    }

    private String stored(String field) {
        return backing.get(KEY).orElseThrow().asMap().get(field).asString();
    }

    /** {@code target}, running {@code beforeNextWrite} once, on the worker, right before the next compare-and-set. */
    static StateStore hooked(StateStore target, AtomicReference<Runnable> beforeNextWrite) {
        return (StateStore) Proxy.newProxyInstance(
                StateStore.class.getClassLoader(), new Class<?>[] {StateStore.class}, (p, method, args) -> {
                    if (method.getName().equals("compareAndSetVersion")) {
                        Runnable hook = beforeNextWrite.getAndSet(null);
                        if (hook != null) {
                            hook.run();
                        }
                    }
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aWrittenCountIsNotAdoptedOverTheOpenACallerMadeMeanwhile() {
        AtomicReference<Runnable> hook = new AtomicReference<>();
        CircuitBreaker breaker = node(hooked(backing, hook)).circuitBreaker("payments", config);
        fail(breaker, 2);
        hook.set(() -> fail(breaker, 1)); // the third failure lands while the worker writes the first two

        sync.runDue();

        // Adopting the written count (closed, 2 failures) over that OPEN would reopen the breaker's callers to a
        // failing
        // backend and leave the open unwritten: the cluster-wide overshoot seen with three JVMs.
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        sync.runDue();
        assertThat(stored("state")).isEqualTo("open");
    }

    @Test
    void aTrialGrantedWhileTheWorkerReplacedItsHalfOpenPhaseRunsInTheNewPhase() {
        CircuitBreakerConfig twoTrials = config.toBuilder()
                .failureThreshold(1)
                .halfOpenPermits(2)
                .successThreshold(2)
                .build();
        AtomicReference<StateStore.ChangeListener> pushed = new AtomicReference<>();
        AtomicReference<Runnable> hook = new AtomicReference<>();
        CircuitBreaker a = node(backing).circuitBreaker("payments", twoTrials);
        CircuitBreaker b =
                node(hooked(SyncWorkerTest.pushing(backing, pushed), hook)).circuitBreaker("payments", twoTrials);
        fail(a, 1);
        sync.advance(Duration.ofSeconds(1));
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        sync.advance(Duration.ofSeconds(29));
        assertThat(b.state()).isEqualTo(CircuitState.HALF_OPEN); // by time alone: no permit, nothing claimed
        assertThat(a.tryAcquirePermission()).isTrue(); // a claims the first permit: a new half-open generation
        // While b's caller waits for its claim, b's worker adopts that generation, replacing the phase in which the
        // caller took its local permit.
        hook.set(() -> pushed.get().changed(KEY));

        assertThat(b.tryAcquirePermission()).isTrue();
        b.onError(0, new IOException("down"));

        // Recorded on the replaced phase, the failure was ignored: b stayed half-open and its worker renewed the
        // claim's lease, holding the cluster's permit until maxWaitInHalfOpen.
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        sync.runDue();
        assertThat(stored("state")).isEqualTo("open");
    }

    @Test
    void aClaimWhoseCallerTimedOutIsNotTakenAndTrialsWaitALeaseIntoTheOutage() throws Exception {
        SwitchableStateStore switchable = new SwitchableStateStore(backing);
        ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor();
        List<String> outages = new CopyOnWriteArrayList<>();
        try (Registry registry = Registry.builder()
                .timeSource(time)
                .stateStore(switchable.store())
                .syncInterval(Duration.ofMinutes(1)) // no refresh runs by itself during the test; leases of 2 min
                .flushDelay(Duration.ZERO)
                .storeTimeout(Duration.ofMillis(50))
                .syncExecutor(worker)
                .listener(new CircuitBreakerListener() {
                    @Override
                    public void onStoreUnavailable(String breakerName, RuntimeException cause) {
                        outages.add(breakerName);
                    }
                })
                .build()) {
            CircuitBreaker breaker = registry.circuitBreaker("payments", config);
            fail(breaker, 3);
            worker.submit(() -> {}).get(); // the open is written
            assertThat(stored("state")).isEqualTo("open");
            time.advance(Duration.ofSeconds(30));
            CountDownLatch busy = new CountDownLatch(1);
            worker.execute(() -> {
                try {
                    busy.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });

            // The claim waits behind the busy worker: after the store timeout (50 ms, real time) an outage begins,
            // and its first lease decides no trial locally: the store may answer the other nodes meanwhile.
            assertThat(breaker.tryAcquirePermission()).isFalse();
            assertThat(outages).containsExactly("payments");

            busy.countDown();
            worker.submit(() -> {}).get(); // the abandoned claim ran: its caller was gone, so it claimed nothing
            assertThat(stored("state")).isEqualTo("open");
            switchable.available(false); // and the outage goes on
            time.advance(Duration.ofMillis(119_999));
            assertThat(breaker.tryAcquirePermission()).isFalse();

            time.advance(Duration.ofMillis(1)); // a lease into the outage: a real one, decided locally
            assertThat(breaker.tryAcquirePermission()).isTrue();
            assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
        } finally {
            worker.shutdownNow();
        }
    }

    @Test
    void inAnOutageEveryNodeSharesOnlyTheLastWriterRunsTrialsUntilMaxWaitInHalfOpen() {
        SwitchableStateStore forA = new SwitchableStateStore(backing);
        SwitchableStateStore forB = new SwitchableStateStore(backing);
        CircuitBreaker a = node(forA.store()).circuitBreaker("payments", config);
        CircuitBreaker b = node(forB.store()).circuitBreaker("payments", config);
        fail(a, 3);
        sync.advance(Duration.ofSeconds(1)); // a writes its open; b adopts it: both know a wrote last
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        forA.available(false);
        forB.available(false);
        sync.advance(Duration.ofSeconds(29)); // both lose the store at their next refresh; then the open time ends

        assertThat(a.tryAcquirePermission())
                .as("the last writer, 28 s into the outage")
                .isTrue();
        assertThat(b.tryAcquirePermission()).as("another node").isFalse();
        a.onError(0, new IOException("still down"));
        sync.advance(Duration.ofSeconds(30));
        assertThat(a.tryAcquirePermission())
                .as("a again, one open duration later")
                .isTrue();
        assertThat(b.tryAcquirePermission()).as("b, 58 s into the outage").isFalse();

        sync.advance(Duration.ofSeconds(2)); // maxWaitInHalfOpen (60 s) into the outage: a may be gone too
        assertThat(b.tryAcquirePermission()).isTrue();
    }
}
