package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Real threads racing on one breaker; every test is bounded in time and checks invariants, not timings. */
@Tag("concurrency")
class CircuitBreakerConcurrencyTest {
    private final ManualTimeSource time = new ManualTimeSource();
    private final RecordingListener listener = new RecordingListener();

    private StateMachineCircuitBreaker breaker(CircuitBreakerConfig.Builder config) {
        return new StateMachineCircuitBreaker("race", config.build(), time, List.of(listener));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void sixtyFourThreadsRaceForHalfOpen() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            int threads = 64;
            int permits = 3;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                for (int round = 0; round < 20; round++) {
                    // Given an open breaker whose open duration has just passed
                    StateMachineCircuitBreaker breaker = breaker(CircuitBreakerConfig.builder()
                            .failureThreshold(1)
                            .successThreshold(permits)
                            .openDuration(Duration.ofSeconds(1)));
                    listener.transitions.clear();
                    breaker.tryAcquirePermission();
                    breaker.onError(0, new IOException());
                    time.advance(Duration.ofSeconds(1));

                    // When 64 threads ask for a permit at once
                    CountDownLatch start = new CountDownLatch(1);
                    AtomicInteger admitted = new AtomicInteger();
                    List<Future<?>> done = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        done.add(pool.submit(() -> {
                            await(start);
                            if (breaker.tryAcquirePermission()) {
                                admitted.incrementAndGet();
                            }
                        }));
                    }
                    start.countDown();
                    for (Future<?> f : done) {
                        f.get();
                    }

                    // Then exactly halfOpenPermits got in, and there was exactly one OPEN -> HALF_OPEN
                    assertThat(admitted).hasValue(permits);
                    assertThat(listener.path()).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN");
                    assertThat(breaker.stats().rejected()).isEqualTo(threads - permits);
                }
            } finally {
                pool.shutdownNow();
            }
        });
    }

    @Test
    void thirtyTwoThreadsFailAtTheThresholdForAThousandRounds() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            int threads = 32;
            int rounds = 1000;
            StateMachineCircuitBreaker breaker =
                    breaker(CircuitBreakerConfig.builder().failureThreshold(threads));
            AtomicLong permitted = new AtomicLong();
            CyclicBarrier start = new CyclicBarrier(threads + 1);
            CyclicBarrier end = new CyclicBarrier(threads + 1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                for (int t = 0; t < threads; t++) {
                    pool.submit(() -> {
                        for (int round = 0; round < rounds; round++) {
                            start.await();
                            if (breaker.tryAcquirePermission()) {
                                permitted.incrementAndGet();
                                breaker.onError(1, new IOException());
                            }
                            end.await();
                        }
                        return null;
                    });
                }
                for (int round = 0; round < rounds; round++) {
                    start.await();
                    end.await();
                    // every thread was permitted (the breaker was closed) and the 32nd failure opened it
                    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
                    breaker.transitionToClosed();
                }
            } finally {
                pool.shutdownNow();
            }

            List<StateTransition> events = new ArrayList<>(listener.transitions);
            assertThat(events).hasSize(2 * rounds);
            assertThat(events.stream().filter(e -> e.to() == CircuitState.OPEN)).hasSize(rounds);
            for (int i = 0; i + 1 < events.size(); i++) {
                assertThat(events.get(i).to()).isEqualTo(events.get(i + 1).from());
            }
            CircuitStats stats = breaker.stats();
            assertThat(permitted).hasValue((long) threads * rounds);
            assertThat(stats.totalFailures()).isEqualTo((long) threads * rounds);
            assertThat(stats.requests()).isEqualTo((long) threads * rounds);
            assertThat(stats.rejected()).isZero();
        });
    }

    @Test
    void failuresBeyondTheThresholdOpenExactlyOnce() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            int threads = 32;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                for (int round = 0; round < 200; round++) {
                    StateMachineCircuitBreaker breaker =
                            breaker(CircuitBreakerConfig.builder().failureThreshold(5));
                    listener.transitions.clear();
                    CountDownLatch start = new CountDownLatch(1);
                    AtomicLong permitted = new AtomicLong();
                    List<Future<?>> done = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        done.add(pool.submit(() -> {
                            await(start);
                            if (breaker.tryAcquirePermission()) {
                                permitted.incrementAndGet();
                                breaker.onError(1, new IOException());
                            }
                        }));
                    }
                    start.countDown();
                    for (Future<?> f : done) {
                        f.get();
                    }

                    assertThat(listener.path()).containsExactly("CLOSED->OPEN");
                    CircuitStats stats = breaker.stats();
                    assertThat(stats.totalFailures()).isEqualTo(permitted.get());
                    assertThat(stats.rejected()).isEqualTo(threads - permitted.get());
                    assertThat(permitted.get()).isGreaterThanOrEqualTo(5);
                }
            } finally {
                pool.shutdownNow();
            }
        });
    }

    @Test
    void stalePermitReleasedAfterReopenDoesNotChangeTheNewGeneration() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            // Given a call in flight that took its permit while the breaker was closed
            StateMachineCircuitBreaker breaker = breaker(CircuitBreakerConfig.builder()
                    .failureThreshold(1)
                    .successThreshold(1)
                    .openDuration(Duration.ofSeconds(1))
                    .ignore(IllegalStateException.class));
            CountDownLatch inFlight = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<?> stale = pool.submit(() -> breaker.run(() -> {
                    inFlight.countDown();
                    await(finish);
                    throw new IllegalStateException("ignored: releases its permit");
                }));
                await(inFlight);

                // When the breaker opens, reopens from half-open, and is half-open again with its trial taken
                breaker.tryAcquirePermission();
                breaker.onError(1, new IOException());
                time.advance(Duration.ofSeconds(1));
                assertThat(breaker.tryAcquirePermission()).isTrue();
                breaker.onError(1, new IOException());
                time.advance(Duration.ofSeconds(1));
                assertThat(breaker.tryAcquirePermission()).isTrue();
                Phase current = breaker.phase();
                finish.countDown();
                assertThat(stale).failsWithin(Duration.ofSeconds(5));

                // Then the stale release left the current generation's trial permit alone
                assertThat(breaker.phase()).isSameAs(current);
                assertThat(current.permitsInFlight()).isEqualTo(1);
                assertThat(breaker.tryAcquirePermission()).isFalse();
                breaker.onSuccess(1);
                assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
            } finally {
                pool.shutdownNow();
            }
        });
    }

    @Test
    void stuckProbeIsReclaimed() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            // Given a half-open breaker whose only trial call hangs
            StateMachineCircuitBreaker breaker = breaker(CircuitBreakerConfig.builder()
                    .failureThreshold(1)
                    .successThreshold(1)
                    .openDuration(Duration.ofSeconds(1))
                    .maxWaitInHalfOpen(Duration.ofSeconds(5)));
            breaker.tryAcquirePermission();
            breaker.onError(1, new IOException());
            time.advance(Duration.ofSeconds(1));
            CountDownLatch probing = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                Future<String> stuck = pool.submit(() -> breaker.execute(() -> {
                    probing.countDown();
                    await(release);
                    return "too late";
                }));
                await(probing);
                assertThat(breaker.tryAcquirePermission()).isFalse();

                // When maxWaitInHalfOpen passes, racing threads ask for the reclaimed permit
                time.advance(Duration.ofSeconds(5));
                CountDownLatch start = new CountDownLatch(1);
                AtomicInteger admitted = new AtomicInteger();
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 7; t++) {
                    done.add(pool.submit(() -> {
                        await(start);
                        if (breaker.tryAcquirePermission()) {
                            admitted.incrementAndGet();
                        }
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get();
                }

                // Then exactly one new trial got in, and the stuck call's late success does not count
                assertThat(admitted).hasValue(1);
                release.countDown();
                assertThat(stuck.get()).isEqualTo("too late");
                assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
                assertThat(breaker.phase().permitsInFlight()).isEqualTo(1);
                breaker.onSuccess(1);
                assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
            } finally {
                pool.shutdownNow();
            }
        });
    }

    @Test
    void totalsAreExactAfterConcurrentMixedTraffic() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            StateMachineCircuitBreaker breaker = breaker(
                    CircuitBreakerConfig.builder().failureThreshold(1_000_000).countBasedWindow(64));
            int threads = 4;
            int calls = 40_000;
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    done.add(pool.submit(() -> {
                        await(start);
                        for (int i = 0; i < calls; i++) {
                            if (breaker.tryAcquirePermission()) {
                                if ((i + id) % 10 == 0) {
                                    breaker.onError(1, new IOException());
                                } else {
                                    breaker.onSuccess(1);
                                }
                            }
                            if (i % 64 == 0) { // the record's checks reject negative counts
                                assertThat(breaker.stats().consecutiveSuccess()).isNotNegative();
                            }
                        }
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }

            CircuitStats stats = breaker.stats();
            assertThat(stats.state()).isEqualTo(CircuitState.CLOSED);
            assertThat(stats.requests()).isEqualTo((long) threads * calls);
            assertThat(stats.totalFailures()).isEqualTo((long) threads * calls / 10);
            assertThat(stats.totalSuccess()).isEqualTo((long) threads * calls * 9 / 10);
            assertThat(stats.failureRate()).isBetween(0.0, 100.0);
        });
    }
}
