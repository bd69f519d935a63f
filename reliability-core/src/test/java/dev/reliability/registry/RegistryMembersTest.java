package dev.reliability.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.backoff.Backoff;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.retry.Retry;
import dev.reliability.retry.RetryBudget;
import dev.reliability.retry.RetryPolicy;
import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Retries and retry budgets by name, and the listener that follows what a registry holds. */
class RegistryMembersTest {
    private final ManualTimeSource time = new ManualTimeSource();
    private final Registry registry =
            Registry.builder().timeSource(time).random(new SplittableRandom(1)).build();
    private final RetryPolicy policy = RetryPolicy.builder()
            .maxAttempts(2)
            .backoff(Backoff.fixed(Duration.ofSeconds(1)))
            .build();

    /** Writes each event as one line. */
    private static final class Recorder implements RegistryListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onCircuitBreakerAdded(CircuitBreaker breaker) {
            events.add("+breaker " + breaker.name());
        }

        @Override
        public void onCircuitBreakerRemoved(CircuitBreaker breaker) {
            events.add("-breaker " + breaker.name());
        }

        @Override
        public void onRetryAdded(Retry retry) {
            events.add("+retry " + retry.name());
        }

        @Override
        public void onRetryBudgetAdded(String name, RetryBudget budget) {
            events.add("+budget " + name);
        }
    }

    @Test
    void aRetryIsCreatedOnceByNameWithTheRegistrysTimeSource() {
        Retry first = registry.retry("inventory", policy);
        Retry second = registry.retry("inventory", policy.toBuilder().build());

        assertThat(second).isSameAs(first);
        assertThat(first.name()).isEqualTo("inventory");
        assertThat(first.policy()).isSameAs(policy);
        assertThat(registry.findRetry("inventory")).containsSame(first);
        assertThat(registry.findRetry("other")).isEmpty();

        // Waits go through the registry's time source.
        assertThatThrownBy(() -> first.run(() -> {
                    throw new IOException("down");
                }))
                .isInstanceOf(IOException.class);
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(1));
        assertThat(first.stats().failedAfterRetry()).isEqualTo(1);
    }

    @Test
    void aRetryWithADifferentPolicyForAnExistingNameThrowsNamingBoth() {
        registry.retry("inventory", policy);
        RetryPolicy other = policy.toBuilder().maxAttempts(5).build();

        assertThatThrownBy(() -> registry.retry("inventory", other))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("retry 'inventory' already exists with policy " + policy)
                .hasMessageContaining("requested policy " + other);
        assertThat(registry.retryNames()).containsExactly("inventory");
    }

    @Test
    void retryArgumentsAreCheckedAndChangeNothing() {
        assertThatThrownBy(() -> registry.retry(" ", policy)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.retry(null, policy)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> registry.retry("r", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("policy");
        assertThatThrownBy(() -> registry.findRetry(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> registry.findRetryBudget(null)).isInstanceOf(NullPointerException.class);
        assertThat(registry.retryNames()).isEmpty();
    }

    @Test
    void aClosedRegistryCreatesNoRetry() {
        registry.close();

        assertThatThrownBy(() -> registry.retry("inventory", policy))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("registry is closed");
    }

    @Test
    void namesAreListedSortedPerKind() {
        registry.retry("b", policy);
        registry.retry("a", policy);
        registry.retryBudget("z", RetryBudget.ofDefaults());
        registry.retryBudget("y", RetryBudget.ofDefaults());
        registry.circuitBreaker("c");

        assertThat(registry.retryNames()).containsExactly("a", "b");
        assertThat(registry.retryBudgetNames()).containsExactly("y", "z");
        assertThat(registry.circuitBreakerNames()).containsExactly("c");
        assertThat(registry.findRetryBudget("y")).containsSame(registry.retryBudget("y", RetryBudget.ofDefaults()));
        assertThat(registry.findRetryBudget("c")).isEmpty();
    }

    @Test
    void aSubscriberLearnsWhatIsThereThenEachChange() {
        registry.circuitBreaker("b2");
        registry.circuitBreaker("b1");
        registry.retry("r1", policy);
        registry.retryBudget("g1", RetryBudget.ofDefaults());
        Recorder recorder = new Recorder();

        registry.subscribe(recorder);
        assertThat(recorder.events).containsExactly("+breaker b1", "+breaker b2", "+retry r1", "+budget g1");

        registry.circuitBreaker("b3");
        registry.circuitBreaker("b3"); // an existing one is not announced again
        registry.retry("r2", policy);
        registry.retry("r2", policy);
        registry.retryBudget("g2", RetryBudget.ofDefaults());
        registry.retryBudget("g2", RetryBudget.ofDefaults());
        registry.remove("b1");
        registry.remove("b1"); // nothing left to remove
        assertThat(recorder.events)
                .containsExactly(
                        "+breaker b1",
                        "+breaker b2",
                        "+retry r1",
                        "+budget g1",
                        "+breaker b3",
                        "+retry r2",
                        "+budget g2",
                        "-breaker b1");

        assertThat(registry.unsubscribe(recorder)).isTrue();
        assertThat(registry.unsubscribe(recorder)).isFalse();
        registry.circuitBreaker("b4");
        assertThat(recorder.events).hasSize(8);
    }

    @Test
    void anEvictedBreakerIsAnnouncedAsRemoved() {
        Registry bounded = Registry.builder().timeSource(time).maxBreakers(1).build();
        Recorder recorder = new Recorder();
        bounded.subscribe(recorder);

        bounded.circuitBreaker("first", CircuitBreakerConfig.ofDefaults());
        bounded.circuitBreaker("second", CircuitBreakerConfig.ofDefaults());

        assertThat(recorder.events).containsExactly("+breaker first", "-breaker first", "+breaker second");
    }

    @Test
    void aListenerThatThrowsIsLoggedAndChangesNothing() {
        Recorder after = new Recorder();
        registry.subscribe(new RegistryListener() {
            @Override
            public void onRetryAdded(Retry retry) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onCircuitBreakerAdded(CircuitBreaker breaker) {
                throw new IllegalStateException("listener bug");
            }
        });
        registry.subscribe(after);

        Retry retry = registry.retry("r", policy);
        CircuitBreaker breaker = registry.circuitBreaker("b");

        assertThat(registry.findRetry("r")).containsSame(retry);
        assertThat(registry.find("b")).containsSame(breaker);
        assertThat(after.events).containsExactly("+retry r", "+breaker b");
    }

    @Test
    void aListenerWithOnlyDefaultsHearsNothingAndBreaksNothing() {
        registry.circuitBreaker("b");
        registry.subscribe(new RegistryListener() {});
        registry.retry("r", policy);
        registry.retryBudget("g", RetryBudget.ofDefaults());
        registry.remove("b");

        assertThat(registry.retryNames()).containsExactly("r");
        assertThat(registry.circuitBreakerNames()).isEmpty();
    }

    @Test
    void subscribeChecksItsArgument() {
        assertThatThrownBy(() -> registry.subscribe(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("listener");
        assertThatThrownBy(() -> registry.unsubscribe(null)).isInstanceOf(NullPointerException.class);
    }
}
