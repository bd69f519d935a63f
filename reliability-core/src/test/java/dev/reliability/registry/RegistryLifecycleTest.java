package dev.reliability.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.circuitbreaker.StateTransition;
import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RegistryLifecycleTest {
    private final AtomicLong transitions = new AtomicLong();
    private final CircuitBreakerListener listener = new CircuitBreakerListener() {
        @Override
        public void onStateTransition(StateTransition transition) {
            transitions.incrementAndGet();
        }
    };
    private final CircuitBreakerConfig config =
            CircuitBreakerConfig.builder().failureThreshold(1).build();

    @Test
    void hundredThousandCreateRemoveCyclesLeaveNothingBehind() {
        // Given a registry with a listener attached to every breaker
        Registry registry = Registry.builder()
                .timeSource(new ManualTimeSource())
                .listener(listener)
                .build();
        List<WeakReference<CircuitBreaker>> sample = new ArrayList<>();

        // When breakers are created, used and removed 100 000 times
        for (int i = 0; i < 100_000; i++) {
            String name = "tenant-" + i;
            CircuitBreaker breaker = registry.circuitBreaker(name, config);
            breaker.execute(() -> "ok");
            if (i % 1000 == 0) {
                sample.add(new WeakReference<>(breaker));
            }
            assertThat(registry.remove(name)).isTrue();
        }

        // Then the registry holds nothing, and the removed breakers are unreachable from it
        assertThat(registry.circuitBreakerNames()).isEmpty();
        assertThat(registry.toString()).startsWith("Registry[breakers=0,");
        long alive = sample.size();
        for (int attempt = 0; attempt < 5 && alive > 1; attempt++) {
            System.gc();
            alive = sample.stream().filter(ref -> ref.get() != null).count();
        }
        assertThat(alive).isLessThanOrEqualTo(1);
        // a removed breaker no longer reaches the registry's listeners
        assertThat(transitions).hasValue(0);
    }

    @Test
    void evictionBoundHoldsOverManyTenants() {
        Registry registry = Registry.builder()
                .timeSource(new ManualTimeSource())
                .listener(listener)
                .maxBreakers(100)
                .build();

        for (int i = 0; i < 20_000; i++) {
            CircuitBreaker breaker = registry.circuitBreaker("tenant-" + i, config);
            if (i % 997 == 0) {
                assertThat(breaker.tryAcquirePermission()).isTrue();
                breaker.onError(0, new IOException()); // opens: must never be evicted
            }
            assertThat(registry.circuitBreakerNames()).hasSizeLessThanOrEqualTo(100);
        }

        List<String> names = registry.circuitBreakerNames();
        assertThat(names).hasSize(100);
        for (int i = 0; i < 20_000; i += 997) {
            String name = "tenant-" + i;
            assertThat(names).contains(name);
            assertThat(registry.find(name).orElseThrow().state()).isEqualTo(CircuitState.OPEN);
        }
        assertThat(transitions).hasValue(21);
    }
}
