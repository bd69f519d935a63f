package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.reliability.testing.ManualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

/**
 * The server scenario: many live threads, each calling every one of a few shared breakers, holding on (as a
 * request waits for its I/O) until all have made their first round, then calling them again. The counts must be exact
 * and the counter cells per breaker bounded by the stripes, however many threads counted: virtual threads on JDK 21+,
 * a few hundred platform threads everywhere.
 */
@Tag("concurrency")
class ManyThreadsConcurrencyTest {
    private static final int BREAKERS = 10;

    private final ManualTimeSource time = new ManualTimeSource();

    @Test
    void hundredsOfPlatformThreadsOnSharedBreakers() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> run(Executors.newFixedThreadPool(400), 400));
    }

    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    void tensOfThousandsOfVirtualThreadsOnSharedBreakers() throws Exception {
        // Core compiles for 17, so the JDK 21 factory is looked up reflectively.
        ExecutorService virtualThreads = (ExecutorService)
                Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> run(virtualThreads, 20_000));
    }

    private void run(ExecutorService executor, int tasks) throws Exception {
        List<StateMachineCircuitBreaker> breakers = new ArrayList<>();
        for (int i = 0; i < BREAKERS; i++) {
            breakers.add(new StateMachineCircuitBreaker(
                    "shared-" + i, CircuitBreakerConfig.builder().build(), time, List.of()));
        }
        StateMachineCircuitBreaker open = new StateMachineCircuitBreaker(
                "open", CircuitBreakerConfig.builder().build(), time, List.of());
        open.forceOpen();
        CountDownLatch firstRound = new CountDownLatch(tasks);
        List<Future<?>> futures = new ArrayList<>(tasks);
        try {
            for (int t = 0; t < tasks; t++) {
                futures.add(executor.submit(() -> {
                    callAll(breakers, open);
                    firstRound.countDown();
                    firstRound.await(); // every task is alive here at once, as requests waiting for their I/O
                    callAll(breakers, open);
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(120, TimeUnit.SECONDS);
            }
        } finally {
            executor.shutdownNow();
        }

        for (StateMachineCircuitBreaker breaker : breakers) {
            CircuitStats stats = breaker.stats();
            assertThat(stats.totalSuccess()).isEqualTo(2L * tasks);
            assertThat(stats.requests()).isEqualTo(2L * tasks);
            assertThat(stats.state()).isEqualTo(CircuitState.CLOSED);
            assertThat(breaker.counterCells()).isBetween(1, StripedCounters.STRIPES);
        }
        assertThat(open.stats().rejected()).isEqualTo(2L * tasks);
        assertThat(open.counterCells()).isBetween(1, StripedCounters.STRIPES);
    }

    private static void callAll(List<StateMachineCircuitBreaker> breakers, StateMachineCircuitBreaker open) {
        for (StateMachineCircuitBreaker breaker : breakers) {
            if (breaker.tryAcquirePermission()) {
                breaker.onSuccess(1);
            }
        }
        assertThat(open.tryAcquirePermission()).isFalse();
    }
}
