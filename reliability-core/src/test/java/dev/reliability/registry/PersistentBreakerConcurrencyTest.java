package dev.reliability.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.state.SimpleStateStore;
import dev.reliability.state.StateStore;
import dev.reliability.testing.ManualScheduler;
import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Real threads on two registries (two JVMs) sharing one store race for the half-open trial permit. */
@Tag("concurrency")
class PersistentBreakerConcurrencyTest {
    private final ManualTimeSource time = new ManualTimeSource();
    /** Runs the workers' flushes and refreshes in virtual time; trial claims run on the racing threads themselves. */
    private final ManualScheduler sync = new ManualScheduler(time);

    private final StateStore store = new SimpleStateStore(time);
    private static final CircuitBreakerConfig ONE_TRIAL = CircuitBreakerConfig.builder()
            .failureThreshold(1)
            .openDuration(Duration.ofSeconds(10))
            .maxWaitInHalfOpen(Duration.ofHours(1))
            .build();

    private Registry node() {
        return Registry.builder()
                .timeSource(time)
                .stateStore(store)
                .syncInterval(Duration.ofSeconds(1))
                .syncExecutor(sync)
                .build();
    }

    @Test
    void exactlyOneTrialRunsAcrossNodesUnderContention() {
        race(ONE_TRIAL, 1);
    }

    @Test
    void exactlyHalfOpenPermitsTrialsRunAcrossNodesUnderContention() {
        race(ONE_TRIAL.toBuilder().halfOpenPermits(2).successThreshold(2).build(), 2);
    }

    private void race(CircuitBreakerConfig config, int expectedTrials) {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            Registry a = node();
            Registry b = node();
            for (int round = 0; round < 50; round++) {
                String name = "payments-" + round;
                CircuitBreaker onA = a.circuitBreaker(name, config);
                CircuitBreaker onB = b.circuitBreaker(name, config);
                onA.tryAcquirePermission();
                onA.onError(0, new IOException("down"));
                sync.advance(Duration.ofSeconds(1));
                assertThat(onB.state()).isEqualTo(CircuitState.OPEN);
                sync.advance(Duration.ofSeconds(9));

                AtomicInteger trials = new AtomicInteger();
                CountDownLatch start = new CountDownLatch(1);
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    CircuitBreaker breaker = t % 2 == 0 ? onA : onB;
                    Thread thread = new Thread(() -> {
                        try {
                            start.await();
                        } catch (InterruptedException e) {
                            return;
                        }
                        for (int i = 0; i < 20; i++) {
                            if (breaker.tryAcquirePermission()) {
                                trials.incrementAndGet();
                            }
                        }
                    });
                    thread.start();
                    threads.add(thread);
                }
                start.countDown();
                for (Thread thread : threads) {
                    thread.join();
                }

                // Exactly the permits: never more (the store's claims), never fewer. With two permits a granted
                // claim once lapsed unused: its caller lost the move to half-open to another caller of its node, and
                // a third caller's speculative local permit (taken before its own claim was denied) filled the phase.
                assertThat(trials.get()).as("trials in round %s", round).isEqualTo(expectedTrials);
            }
        });
    }
}
