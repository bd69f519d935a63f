package dev.reliability.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.registry.Registry;
import dev.reliability.retry.RetryPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Members created by real threads while the binder binds and the registry evicts: each ends with its meters, once. */
class ReliabilityMetricsConcurrencyTest {
    private static final int THREADS = 4;
    private static final int MEMBERS_PER_THREAD = 200;

    @Test
    void everyMemberCreatedWhileBindingGetsItsMetersOnce() throws Exception {
        Registry registry = Registry.builder().maxBreakers(100).build();
        ReliabilityMetrics metrics = ReliabilityMetrics.of(registry);
        SimpleMeterRegistry first = new SimpleMeterRegistry();
        SimpleMeterRegistry second = new SimpleMeterRegistry();
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> problem = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            threads.add(new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < MEMBERS_PER_THREAD; i++) {
                        registry.circuitBreaker("b-" + id + "-" + i);
                        registry.retry("r-" + id + "-" + i, RetryPolicy.ofDefaults());
                    }
                } catch (Throwable thrown) {
                    problem.compareAndSet(null, thrown);
                }
            }));
        }
        threads.add(new Thread(() -> {
            try {
                start.await();
                metrics.bindTo(first);
                metrics.bindTo(second);
            } catch (Throwable thrown) {
                problem.compareAndSet(null, thrown);
            }
        }));
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread thread : threads) {
            thread.join(TimeUnit.MINUTES.toMillis(1));
            assertThat(thread.isAlive()).isFalse();
        }

        assertThat(problem.get()).isNull();
        assertThat(registry.circuitBreakerNames()).hasSize(100);
        assertThat(registry.retryNames()).hasSize(THREADS * MEMBERS_PER_THREAD);
        for (SimpleMeterRegistry meters : List.of(first, second)) {
            // The breakers the registry still holds, and only those: evicted ones lost their meters.
            assertThat(meters.find("reliability.circuitbreaker.rejected.calls").functionCounters().stream()
                            .map(counter -> counter.getId().getTag("name"))
                            .sorted())
                    .containsExactlyElementsOf(registry.circuitBreakerNames());
            assertThat(meters.find("reliability.retry.retries").functionCounters())
                    .hasSize(THREADS * MEMBERS_PER_THREAD);
            assertThat(meters.getMeters()).hasSize(100 * 11 + THREADS * MEMBERS_PER_THREAD * 6);
        }
    }
}
