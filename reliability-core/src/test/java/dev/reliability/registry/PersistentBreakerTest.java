package dev.reliability.registry;

import static dev.reliability.registry.StoreNodes.fail;
import static dev.reliability.registry.StoreNodes.succeed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.circuitbreaker.CallNotPermittedException;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.circuitbreaker.StateTransition;
import dev.reliability.state.StateStore;
import dev.reliability.state.StateValue;
import dev.reliability.testing.ManualScheduler;
import dev.reliability.testing.ManualTimeSource;
import dev.reliability.testing.SwitchableStateStore;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Breakers persisted and shared through a store, in virtual time: each registry plays one JVM, and their sync workers
 * run on one {@link ManualScheduler}, with no flush delay, so {@link #flush()} writes what callers queued.
 */
class PersistentBreakerTest {
    private final StoreNodes nodes = new StoreNodes();
    private final ManualTimeSource time = nodes.time;
    private final ManualScheduler sync = nodes.sync;
    private final StateStore backing = nodes.backing;
    private final CircuitBreakerConfig config = nodes.config;

    private Registry node(StateStore store) {
        return nodes.node(store);
    }

    private Registry node(StateStore store, SharingPolicy policy, CircuitBreakerListener... listeners) {
        return node(store, policy, sync, listeners);
    }

    private Registry node(
            StateStore store, SharingPolicy policy, ManualScheduler scheduler, CircuitBreakerListener... listeners) {
        Registry.Builder builder = nodes.builder(store)
                .sharingPolicy(policy)
                .flushDelay(Duration.ZERO)
                .syncExecutor(scheduler);
        for (CircuitBreakerListener l : listeners) {
            builder.listener(l);
        }
        return builder.build();
    }

    /** Runs the sync workers' flushes: what callers queued reaches the store. */
    private void flush() {
        sync.runDue();
    }

    // ---------------------------------------------------------------- restart

    @Test
    void anOpenBreakerRestoredAfterARestartStaysOpenForItsRemainingTime() {
        CircuitBreaker before = node(backing).circuitBreaker("payments", config);
        fail(before, 3);
        assertThat(before.state()).isEqualTo(CircuitState.OPEN);
        flush();
        sync.advance(Duration.ofSeconds(10));

        CircuitBreaker after = node(backing).circuitBreaker("payments", config); // the restarted JVM

        assertThat(after.state()).isEqualTo(CircuitState.OPEN);
        assertThatThrownBy(() -> after.execute(() -> "x"))
                .isInstanceOfSatisfying(CallNotPermittedException.class, e -> assertThat(e.retryAfter())
                        .isEqualTo(Duration.ofSeconds(20)));
        sync.advance(Duration.ofMillis(19_999));
        assertThat(after.tryAcquirePermission()).isFalse();
        sync.advance(Duration.ofMillis(1));
        assertThat(after.tryAcquirePermission()).isTrue();
        assertThat(after.state()).isEqualTo(CircuitState.HALF_OPEN);
    }

    @Test
    void consecutiveFailuresCarryOnAcrossARestart() {
        fail(node(backing).circuitBreaker("payments", config), 2);
        flush();

        CircuitBreaker after = node(backing).circuitBreaker("payments", config);
        assertThat(after.stats().consecutiveFailures()).isEqualTo(2);
        fail(after, 1);

        assertThat(after.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void aRestoreIsNotPublishedAsATransition() {
        fail(node(backing).circuitBreaker("payments", config), 3);
        flush();
        List<StateTransition> seen = new CopyOnWriteArrayList<>();

        CircuitBreaker after = node(backing, SharingPolicy.ANY_NODE, new CircuitBreakerListener() {
                    @Override
                    public void onStateTransition(StateTransition t) {
                        seen.add(t);
                    }
                })
                .circuitBreaker("payments", config);

        assertThat(after.state()).isEqualTo(CircuitState.OPEN);
        assertThat(seen).isEmpty();
    }

    @Test
    void theRecordHoldsWallClockTimes() {
        fail(node(backing).circuitBreaker("payments", config), 3);
        flush();

        StateValue record = backing.get("reliability:breaker:payments").orElseThrow();

        assertThat(record.asMap().get("state").asString()).isEqualTo("open");
        assertThat(record.asMap().get("openUntilMs").asLong()).isEqualTo(time.millis() + 30_000);
        assertThat(record.asMap().get("failures").asLong()).isEqualTo(3);
    }

    // ---------------------------------------------------------------- the write queue and the hot path

    @Test
    void aClosedBreakerWithoutFailuresDoesNoStoreIoOnPermitsAndSuccesses() {
        SwitchableStateStore counted = new SwitchableStateStore(backing);
        CircuitBreaker breaker = node(counted.store()).circuitBreaker("payments", config);
        counted.resetCounts();

        for (int i = 0; i < 10_000; i++) {
            succeed(breaker);
        }

        assertThat(counted.totalCalls()).isZero();
    }

    @Test
    void failuresAndTheSuccessThatEndsThemAreWrittenByTheWorkerCoalesced() {
        SwitchableStateStore counted = new SwitchableStateStore(backing);
        CircuitBreaker breaker = node(counted.store()).circuitBreaker("payments", config);

        fail(breaker, 2);
        assertThat(counted.calls("compareAndSetVersion")).isZero(); // queued, not written by the caller
        flush();
        assertThat(record("payments").get("failures").asLong()).isEqualTo(2);
        succeed(breaker);
        flush();

        assertThat(record("payments").get("failures").asLong()).isZero();
        assertThat(counted.calls("compareAndSetVersion")).isEqualTo(2); // one write per flush, not per failure
    }

    @Test
    void aFirstFailureIsWrittenAtOnceAndTheNextOnesOneFlushDelayAfterIt() {
        SwitchableStateStore counted = new SwitchableStateStore(backing);
        CircuitBreaker breaker = Registry.builder()
                .timeSource(time)
                .stateStore(counted.store())
                .flushDelay(Duration.ofMillis(10))
                .syncExecutor(sync)
                .build()
                .circuitBreaker(
                        "payments", config.toBuilder().failureThreshold(10).build());

        fail(breaker, 1);
        sync.advance(Duration.ZERO); // no flush within the last flush delay: the worker writes at once
        assertThat(counted.calls("compareAndSetVersion")).isEqualTo(1);
        assertThat(record("payments").get("failures").asLong()).isEqualTo(1);

        fail(breaker, 2);
        sync.advance(Duration.ofMillis(9)); // throttled: one flush per flush delay
        assertThat(counted.calls("compareAndSetVersion")).isEqualTo(1);
        sync.advance(Duration.ofMillis(1));

        assertThat(counted.calls("compareAndSetVersion")).isEqualTo(2);
        assertThat(record("payments").get("failures").asLong()).isEqualTo(3);

        sync.advance(Duration.ofMillis(50));
        fail(breaker, 1); // the last flush is a flush delay ago: at once again
        sync.advance(Duration.ZERO);
        assertThat(counted.calls("compareAndSetVersion")).isEqualTo(3);
    }

    @Test
    void whileTheServiceIsDownStoreWritesAreTheFailuresUntilOpenPlusTransitions() {
        SwitchableStateStore counted = new SwitchableStateStore(backing);
        CircuitBreaker breaker = node(counted.store()).circuitBreaker("payments", config);

        fail(breaker, 3); // two counted failures, then the one that opens
        for (int i = 0; i < 1000; i++) {
            assertThat(breaker.tryAcquirePermission()).isFalse();
        }
        flush();

        assertThat(counted.calls("compareAndSetVersion")).isEqualTo(1); // the queue coalesced them into the OPEN
    }

    // ---------------------------------------------------------------- sharing

    @Test
    void anotherNodeAdoptsAnOpenWithinTheSyncInterval() {
        CircuitBreaker a = node(backing).circuitBreaker("payments", config);
        CircuitBreaker b = node(backing).circuitBreaker("payments", config);

        fail(a, 3);
        assertThat(b.tryAcquirePermission()).isTrue();
        b.onSuccess(0);
        flush();
        sync.advance(Duration.ofSeconds(1)); // the worker's refresh, not a call, adopts a's OPEN

        assertThat(b.tryAcquirePermission()).isFalse();
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void failuresAreCountedAcrossNodes() {
        CircuitBreaker a = node(backing).circuitBreaker("payments", config);
        CircuitBreaker b = node(backing).circuitBreaker("payments", config);

        fail(a, 2);
        flush();
        fail(b, 1);
        flush();

        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        sync.advance(Duration.ofSeconds(1));
        assertThat(a.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void exactlyOneTrialRunsAcrossNodesAndItsSuccessClosesEverywhere() {
        CircuitBreaker a = node(backing).circuitBreaker("payments", config);
        CircuitBreaker b = node(backing).circuitBreaker("payments", config);
        fail(a, 3);
        sync.advance(Duration.ofSeconds(1));
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        sync.advance(Duration.ofSeconds(29));

        boolean aProbes = a.tryAcquirePermission();
        boolean bProbes = b.tryAcquirePermission();

        assertThat(aProbes).isTrue();
        assertThat(bProbes).isFalse();
        a.onSuccess(0);
        assertThat(a.state()).isEqualTo(CircuitState.CLOSED);
        flush();
        sync.advance(Duration.ofSeconds(1));
        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(b.tryAcquirePermission()).isTrue();
    }

    @Test
    void aFailedTrialReopensEverywhereWithTheGrownDuration() {
        CircuitBreakerConfig growing = config.toBuilder()
                .openDurationMultiplier(2.0)
                .maxOpenDuration(Duration.ofMinutes(5))
                .build();
        CircuitBreaker a = node(backing).circuitBreaker("payments", growing);
        CircuitBreaker b = node(backing).circuitBreaker("payments", growing);
        fail(a, 3);
        sync.advance(Duration.ofSeconds(1));
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        sync.advance(Duration.ofSeconds(29));
        assertThat(b.tryAcquirePermission()).isTrue(); // b claims the trial
        assertThat(a.tryAcquirePermission()).isFalse();

        b.onError(0, new IOException("still down"));

        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        sync.advance(Duration.ofSeconds(1));
        assertThat(a.state()).isEqualTo(CircuitState.OPEN);
        sync.advance(Duration.ofSeconds(58));
        assertThat(a.tryAcquirePermission()).isFalse();
        sync.advance(Duration.ofSeconds(1));
        assertThat(a.tryAcquirePermission()).isTrue();
    }

    @Test
    void twoTrialsAcrossTwoNodesCloseTogether() {
        CircuitBreakerConfig two =
                config.toBuilder().successThreshold(2).halfOpenPermits(2).build();
        CircuitBreaker a = node(backing).circuitBreaker("payments", two);
        CircuitBreaker b = node(backing).circuitBreaker("payments", two);
        Registry c = node(backing);
        fail(a, 3);
        sync.advance(Duration.ofSeconds(1));
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        sync.advance(Duration.ofSeconds(29));

        assertThat(a.tryAcquirePermission()).isTrue();
        assertThat(b.tryAcquirePermission()).isTrue();
        assertThat(c.circuitBreaker("payments", two).tryAcquirePermission()).isFalse();
        a.onSuccess(0);
        b.onSuccess(0);
        flush();

        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
        sync.advance(Duration.ofSeconds(1));
        assertThat(a.state()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void whileAnotherNodeHoldsTheTrialRejectionsDoNoStoreIoUntilTheNextSync() {
        SwitchableStateStore counted = new SwitchableStateStore(backing);
        CircuitBreaker a = node(backing).circuitBreaker("payments", config);
        CircuitBreaker b = node(counted.store()).circuitBreaker("payments", config);
        fail(a, 3);
        sync.advance(Duration.ofSeconds(1));
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        sync.advance(Duration.ofSeconds(29));
        assertThat(a.tryAcquirePermission()).isTrue();
        assertThat(b.tryAcquirePermission()).isFalse(); // one read: the trial is taken
        counted.resetCounts();

        for (int i = 0; i < 1000; i++) {
            assertThat(b.tryAcquirePermission()).isFalse();
        }

        assertThat(counted.totalCalls()).isZero();
    }

    @Test
    void aReleasedTrialPermitCanBeClaimedByAnotherNode() {
        CircuitBreaker a = node(backing).circuitBreaker("payments", config);
        CircuitBreaker b = node(backing).circuitBreaker("payments", config);
        fail(a, 3);
        sync.advance(Duration.ofSeconds(1));
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        sync.advance(Duration.ofSeconds(29));
        assertThat(a.tryAcquirePermission()).isTrue();
        assertThat(b.tryAcquirePermission()).isFalse();

        a.releasePermission(); // the call was never made
        sync.advance(Duration.ofSeconds(1));

        assertThat(b.tryAcquirePermission()).isTrue();
        assertThat(a.tryAcquirePermission()).isFalse();
    }

    @Test
    void aTrialWhoseNodeStopsRenewingIsReclaimedAfterItsLeaseWhateverMaxWaitInHalfOpenSays() {
        ManualScheduler aWorker = new ManualScheduler(time); // a's JVM: its worker runs only while we advance it
        CircuitBreaker a = node(backing, SharingPolicy.ANY_NODE, aWorker).circuitBreaker("payments", config);
        CircuitBreaker b = node(backing).circuitBreaker("payments", config);
        fail(a, 3);
        aWorker.runDue();
        sync.advance(Duration.ofSeconds(30));
        assertThat(a.tryAcquirePermission()).isTrue(); // and a's JVM dies during the trial: nothing renews its lease
        assertThat(b.tryAcquirePermission()).isFalse();

        sync.advance(Duration.ofSeconds(1));
        assertThat(b.tryAcquirePermission())
                .as("the lease of two sync intervals is still live")
                .isFalse(); // and b asks the store again one sync interval later at the soonest
        sync.advance(Duration.ofSeconds(1));

        assertThat(b.tryAcquirePermission()).isTrue(); // 2 s after the claim, with maxWaitInHalfOpen at 60 s
        assertThat(b.tryAcquirePermission()).isFalse(); // one permit, still
        b.onSuccess(0);
        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void aLiveHolderKeepsItsTrialPastManySyncIntervals() {
        CircuitBreaker a = node(backing).circuitBreaker("payments", config);
        CircuitBreaker b = node(backing).circuitBreaker("payments", config);
        Registry c = node(backing);
        fail(a, 3);
        sync.advance(Duration.ofSeconds(30));
        assertThat(a.tryAcquirePermission()).isTrue(); // a's trial call takes its time; its worker renews the lease

        for (int second = 0; second < 20; second++) {
            sync.advance(Duration.ofSeconds(1));
            assertThat(b.tryAcquirePermission()).as("b after %d s", second + 1).isFalse();
            assertThat(c.circuitBreaker("payments", config).tryAcquirePermission())
                    .as("c after %d s", second + 1)
                    .isFalse();
        }

        a.onSuccess(0);
        flush();
        sync.advance(Duration.ofSeconds(1));
        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void aLiveNodesHungTrialIsReclaimedAfterMaxWaitInHalfOpen() {
        CircuitBreakerConfig waiting =
                config.toBuilder().maxWaitInHalfOpen(Duration.ofSeconds(10)).build();
        CircuitBreaker a = node(backing).circuitBreaker("payments", waiting);
        CircuitBreaker b = node(backing).circuitBreaker("payments", waiting);
        fail(a, 3);
        sync.advance(Duration.ofSeconds(1));
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        sync.advance(Duration.ofSeconds(29));
        assertThat(a.tryAcquirePermission()).isTrue(); // and the call hangs: a's worker keeps renewing its lease
        assertThat(b.tryAcquirePermission()).isFalse();
        sync.advance(Duration.ofSeconds(9));
        assertThat(b.tryAcquirePermission()).isFalse();

        sync.advance(Duration.ofSeconds(1));

        assertThat(b.tryAcquirePermission()).isTrue();
        b.onSuccess(0);
        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void localOnlyPersistsButNeverAdopts() {
        CircuitBreaker a = node(backing, SharingPolicy.LOCAL_ONLY).circuitBreaker("payments", config);
        CircuitBreaker b = node(backing, SharingPolicy.LOCAL_ONLY).circuitBreaker("payments", config);

        fail(a, 3);
        sync.advance(Duration.ofSeconds(2));
        succeed(b);

        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(node(backing, SharingPolicy.LOCAL_ONLY)
                        .circuitBreaker("payments", config)
                        .state())
                .isEqualTo(CircuitState.OPEN);
    }

    @Test
    void quorumOfTwoDoesNotOpenOnOneNodesFailures() {
        SharingPolicy quorum = SharingPolicy.quorum(2);
        CircuitBreaker a = node(backing, quorum).circuitBreaker("payments", config);
        CircuitBreaker b = node(backing, quorum).circuitBreaker("payments", config);

        fail(a, 3);
        sync.advance(Duration.ofSeconds(2));

        assertThat(a.state()).isEqualTo(CircuitState.OPEN); // a protects itself
        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
        succeed(b);
        assertThat(record("payments").get("state").asString()).isEqualTo("closed");
    }

    @Test
    void quorumOfTwoOpensEverywhereWhenTwoNodesAreOpen() {
        SharingPolicy quorum = SharingPolicy.quorum(2);
        CircuitBreaker a = node(backing, quorum).circuitBreaker("payments", config);
        CircuitBreaker b = node(backing, quorum).circuitBreaker("payments", config);
        CircuitBreaker c = node(backing, quorum).circuitBreaker("payments", config);

        fail(a, 3);
        fail(b, 3);
        flush();
        sync.advance(Duration.ofSeconds(1));

        assertThat(record("payments").get("state").asString()).isEqualTo("open");
        assertThat(c.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void quorumNodeClosesItsOwnOpenWithItsOwnTrial() {
        SharingPolicy quorum = SharingPolicy.quorum(2);
        CircuitBreaker a = node(backing, quorum).circuitBreaker("payments", config);
        fail(a, 3);
        flush();
        assertThat(record("payments").get("reports").asMap()).hasSize(1);
        sync.advance(Duration.ofSeconds(30));

        succeed(a);
        flush();

        assertThat(a.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(record("payments")).doesNotContainKey("reports");
    }

    @Test
    void aSyncExecutorRefreshesIdleBreakers() throws InterruptedException {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            CountDownLatch adopted = new CountDownLatch(1);
            Registry registryB = Registry.builder()
                    .timeSource(time)
                    .stateStore(backing)
                    .syncInterval(Duration.ofMillis(10))
                    .syncExecutor(scheduler)
                    .listener(new CircuitBreakerListener() {
                        @Override
                        public void onStateTransition(StateTransition t) {
                            if (t.to() == CircuitState.OPEN) {
                                adopted.countDown();
                            }
                        }
                    })
                    .build();
            registryB.circuitBreaker("payments", config);
            CircuitBreaker a = node(backing).circuitBreaker("payments", config);

            fail(a, 3);
            flush(); // virtual time stands still: only the real scheduler can refresh b

            assertThat(adopted.await(10, TimeUnit.SECONDS)).isTrue();
            registryB.close();
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void listenersOfAnAdoptedTransitionRunOutsideTheSyncLock() throws InterruptedException {
        CircuitBreaker a = node(backing).circuitBreaker("payments", config);
        CircuitBreaker[] b = new CircuitBreaker[1];
        List<Boolean> finished = new CopyOnWriteArrayList<>();
        b[0] = node(backing, SharingPolicy.ANY_NODE, new CircuitBreakerListener() {
                    @Override
                    public void onStateTransition(StateTransition t) {
                        if (t.to() == CircuitState.OPEN) {
                            // Another thread that needs b's persistence: it would wait forever under the lock.
                            Thread other = new Thread(() -> b[0].forceOpen());
                            other.start();
                            try {
                                other.join(10_000);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            finished.add(!other.isAlive());
                        }
                    }
                })
                .circuitBreaker("payments", config);
        fail(a, 3);
        sync.advance(Duration.ofSeconds(1));

        assertThat(b[0].state()).isEqualTo(CircuitState.FORCED_OPEN);

        assertThat(finished).containsExactly(true);
    }

    // ---------------------------------------------------------------- admin

    @Test
    void forceOpenDisableAndResetReachEveryNodeWithinTheSyncInterval() {
        CircuitBreaker a = node(backing).circuitBreaker("payments", config);
        Registry registryB = node(backing);
        CircuitBreaker b = registryB.circuitBreaker("payments", config);

        a.forceOpen();
        sync.advance(Duration.ofSeconds(1));
        assertThat(b.state()).isEqualTo(CircuitState.FORCED_OPEN);
        assertThat(b.tryAcquirePermission()).isFalse();

        a.disable();
        sync.advance(Duration.ofSeconds(1));
        assertThat(b.state()).isEqualTo(CircuitState.DISABLED);

        fail(a, 5);
        registryB.reset("payments");
        sync.advance(Duration.ofSeconds(1));
        assertThat(a.state()).isEqualTo(CircuitState.CLOSED);
    }

    // ---------------------------------------------------------------- outages

    @Test
    void whenTheStoreFailsBreakersWorkLocallyAndReportTheOutageOnce() {
        SwitchableStateStore switchable = new SwitchableStateStore(backing);
        List<String> events = new CopyOnWriteArrayList<>();
        Registry registry = node(switchable.store(), SharingPolicy.ANY_NODE, new CircuitBreakerListener() {
            @Override
            public void onStoreUnavailable(String breakerName, RuntimeException cause) {
                events.add(breakerName);
            }
        });
        CircuitBreaker breaker = registry.circuitBreaker("payments", config);
        CircuitBreaker other = registry.circuitBreaker("orders", config);
        switchable.available(false);

        fail(breaker, 3);
        fail(other, 2);
        flush(); // the worker's first write finds the store down
        for (int i = 0; i < 100; i++) {
            assertThat(breaker.tryAcquirePermission()).isFalse();
            succeed(other);
        }

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        assertThat(events).containsExactly("payments"); // one outage, reported once
        assertThat(switchable.refused()).isEqualTo(1);
    }

    @Test
    void afterAnOutageTheLocalOpenIsWrittenByCompareAndSet() {
        SwitchableStateStore switchable = new SwitchableStateStore(backing);
        Registry registry = node(switchable.store());
        CircuitBreaker breaker = registry.circuitBreaker("payments", config);
        switchable.available(false);
        fail(breaker, 3);
        flush();

        switchable.available(true);
        sync.advance(Duration.ofSeconds(1));
        assertThat(breaker.tryAcquirePermission()).isFalse(); // a sampled rejection refreshes, and reconciles

        assertThat(record("payments").get("state").asString()).isEqualTo("open");
        assertThat(record("payments").get("openUntilMs").asLong()).isEqualTo(time.millis() + 29_000);
        switchable.resetCounts();
        registry.close(); // its last flush takes every breaker with work left after the outage
        assertThat(switchable.totalCalls())
                .as("reconciled: nothing was left for the last flush")
                .isZero();
    }

    @Test
    void afterAnOutageANewerRemoteOpenWins() {
        SwitchableStateStore forA = new SwitchableStateStore(backing);
        CircuitBreaker a = node(forA.store()).circuitBreaker("payments", config);
        CircuitBreaker b = node(backing).circuitBreaker("payments", config);
        forA.available(false);
        fail(a, 1); // a's count stays local: dirty
        fail(b, 3); // b opens in the store
        flush();

        forA.available(true);
        sync.advance(Duration.ofSeconds(1));

        assertThat(a.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void afterAnOutageClosedCountsMergeToTheHigher() {
        SwitchableStateStore forA = new SwitchableStateStore(backing);
        CircuitBreaker a = node(forA.store()).circuitBreaker("payments", config);
        CircuitBreaker b = node(backing).circuitBreaker("payments", config);
        fail(b, 1);
        flush();
        forA.available(false);
        fail(a, 2);
        flush();

        forA.available(true);
        sync.advance(Duration.ofSeconds(1));
        assertThat(a.state()).isEqualTo(CircuitState.CLOSED);

        assertThat(record("payments").get("failures").asLong()).isEqualTo(2);
    }

    @Test
    void aBreakerCreatedWhileTheStoreIsDownReconcilesLater() {
        fail(node(backing).circuitBreaker("payments", config), 3);
        flush();
        SwitchableStateStore switchable = new SwitchableStateStore(backing);
        switchable.available(false);
        CircuitBreaker late = node(switchable.store()).circuitBreaker("payments", config);
        assertThat(late.state()).isEqualTo(CircuitState.CLOSED);

        switchable.available(true);
        sync.advance(Duration.ofSeconds(1));

        assertThat(late.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void aMalformedRecordIsOverwritten() {
        backing.set("reliability:breaker:payments", StateValue.of("not a record"));
        CircuitBreaker breaker = node(backing).circuitBreaker("payments", config);

        fail(breaker, 3);
        flush();

        assertThat(record("payments").get("state").asString()).isEqualTo("open");
    }

    // ---------------------------------------------------------------- configuration

    @Test
    void settingsAreValidatedAndReported() {
        assertThatThrownBy(() -> Registry.builder().syncInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("syncInterval must be > 0, was PT0S");
        assertThatThrownBy(() -> Registry.builder().flushDelay(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("flushDelay must be >= 0, was PT-0.001S");
        assertThatThrownBy(() -> Registry.builder().storeTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("storeTimeout must be > 0, was PT0S");
        assertThatThrownBy(() -> Registry.builder().closeTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("closeTimeout must be > 0, was PT0S");
        assertThatThrownBy(() -> SharingPolicy.quorum(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nodes must be >= 2, was 1");
        assertThatThrownBy(() -> node(backing).circuitBreaker("x".repeat(236)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name must be at most 235 characters with a state store, was 236");
        assertThatThrownBy(() -> node(backing).circuitBreaker("a\u0000b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name must not contain a NUL character, found at index 1");
        Registry registry = node(backing, SharingPolicy.quorum(3));
        assertThat(registry.stateStore()).contains(backing);
        assertThat(registry.syncInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(registry.sharingPolicy()).isEqualTo(SharingPolicy.quorum(3));
        assertThat(registry.toString()).contains("QUORUM(3)");
        assertThat(Registry.ofDefaults().stateStore()).isEmpty();
        assertThat(SharingPolicy.ANY_NODE).hasToString("ANY_NODE");
        assertThat(SharingPolicy.LOCAL_ONLY).hasToString("LOCAL_ONLY");
        assertThat(SharingPolicy.LOCAL_ONLY.adoptsRemoteState()).isFalse();
        assertThat(SharingPolicy.quorum(2)).isNotEqualTo(SharingPolicy.ANY_NODE);
        assertThat(SharingPolicy.quorum(2).hashCode()).isEqualTo(2);
    }

    private java.util.Map<String, StateValue> record(String name) {
        return backing.get("reliability:breaker:" + name).orElseThrow().asMap();
    }
}
