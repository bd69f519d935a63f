package dev.reliability.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.state.SimpleStateStore;
import dev.reliability.state.StateStore;
import dev.reliability.state.StateValue;
import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A store that stops answering (every operation blocks until released, as behind a table lock) slows no call: the
 * registry's own worker thread waits for it, the callers do not. Real threads; the breakers' clock is virtual.
 */
@Tag("concurrency")
class BlockedStoreTest {
    /** What one call may take at most, however long the store blocks: the store timeout plus scheduling noise. */
    private static final Duration BOUND = Duration.ofSeconds(1);

    private final ManualTimeSource time = new ManualTimeSource();
    private final StateStore backing = new SimpleStateStore(time);
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile boolean blocking;

    private final StateStore gated = (StateStore) Proxy.newProxyInstance(
            StateStore.class.getClassLoader(), new Class<?>[] {StateStore.class}, (p, method, args) -> {
                if (blocking && method.getDeclaringClass() != Object.class) {
                    released.await();
                }
                try {
                    return method.invoke(backing, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });

    private final CircuitBreakerConfig config = CircuitBreakerConfig.builder()
            .failureThreshold(3)
            .openDuration(Duration.ofSeconds(1))
            .build();

    @Test
    void callersOnEveryPathCompleteWhileTheStoreBlocksAndTheRegistryRecoversWhenItAnswers() {
        List<String> outages = new CopyOnWriteArrayList<>();
        Registry registry = Registry.builder()
                .timeSource(time)
                .stateStore(gated)
                .storeTimeout(Duration.ofMillis(50))
                .flushDelay(Duration.ofMillis(1))
                .syncInterval(Duration.ofMillis(100))
                .listener(new CircuitBreakerListener() {
                    @Override
                    public void onStoreUnavailable(String breakerName, RuntimeException cause) {
                        outages.add(breakerName);
                    }
                })
                .build(); // its own worker thread
        CircuitBreaker breaker = registry.circuitBreaker("payments", config);
        blocking = true;

        int permitted = assertTimeoutPreemptively(BOUND, () -> {
            int n = 0;
            for (int i = 0; i < 10_000; i++) {
                if (breaker.tryAcquirePermission()) {
                    breaker.onSuccess(0);
                    n++;
                }
            }
            return n;
        });
        assertThat(permitted).isEqualTo(10_000);
        assertTimeoutPreemptively(BOUND, () -> {
            for (int i = 0; i < 3; i++) {
                assertThat(breaker.tryAcquirePermission()).isTrue();
                breaker.onError(0, new IOException("down"));
            }
        });
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        int rejected = assertTimeoutPreemptively(BOUND, () -> {
            int n = 0;
            for (int i = 0; i < 10_000; i++) {
                n += breaker.tryAcquirePermission() ? 0 : 1;
            }
            return n;
        });
        assertThat(rejected).isEqualTo(10_000);
        // The two bounded waits: creating a breaker, and the call that finds the open time over.
        CircuitBreaker created = assertTimeoutPreemptively(BOUND, () -> registry.circuitBreaker("orders", config));
        time.advance(Duration.ofSeconds(1));
        assertTimeoutPreemptively(
                BOUND, () -> assertThat(breaker.tryAcquirePermission()).isTrue()); // decided locally
        breaker.onError(0, new IOException("still down"));
        assertThat(created.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(outages).containsExactly("orders"); // the creation's wait ran out: one outage

        released.countDown();
        registry.close(); // flushes what the callers queued

        Map<String, StateValue> stored =
                backing.get("reliability:breaker:payments").orElseThrow().asMap();
        assertThat(stored.get("state").asString()).isEqualTo("open");
        assertThat(stored.get("reopens").asLong())
                .as("the reopen after the local trial, queued during the outage, is written too")
                .isEqualTo(1);
    }
}
