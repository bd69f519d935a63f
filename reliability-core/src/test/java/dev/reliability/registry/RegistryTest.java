package dev.reliability.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.TimeSource;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.circuitbreaker.StateTransition;
import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RegistryTest {
    private final ManualTimeSource time = new ManualTimeSource();
    private final List<StateTransition> transitions = new CopyOnWriteArrayList<>();
    private final AtomicInteger events = new AtomicInteger();
    private final CircuitBreakerListener listener = new CircuitBreakerListener() {
        @Override
        public void onStateTransition(StateTransition transition) {
            transitions.add(transition);
        }

        @Override
        public void onCallNotPermitted(String breakerName, CircuitState state) {
            events.incrementAndGet();
        }

        @Override
        public void onSuccess(String breakerName, long durationNanos) {
            events.incrementAndGet();
        }

        @Override
        public void onError(String breakerName, long durationNanos, Throwable error) {
            events.incrementAndGet();
        }
    };

    private final CircuitBreakerConfig config =
            CircuitBreakerConfig.builder().failureThreshold(1).build();

    private Registry.Builder builder() {
        return Registry.builder()
                .timeSource(time)
                .random(new SplittableRandom(1))
                .listener(listener);
    }

    private static void failOnce(CircuitBreaker breaker) {
        assertThat(breaker.tryAcquirePermission()).isTrue();
        breaker.onError(0, new IOException());
    }

    @Test
    void sameNameAndConfigGiveSameInstance() {
        Registry registry = builder().build();

        CircuitBreaker first = registry.circuitBreaker("payments", config);
        CircuitBreaker second =
                registry.circuitBreaker("payments", config.toBuilder().build());

        assertThat(second).isSameAs(first);
        assertThat(first.name()).isEqualTo("payments");
        assertThat(registry.find("payments")).containsSame(first);
        assertThat(registry.find("other")).isEmpty();
    }

    @Test
    void differentConfigForExistingNameThrowsNamingBoth() {
        Registry registry = builder().build();
        registry.circuitBreaker("payments", config);
        CircuitBreakerConfig other =
                CircuitBreakerConfig.builder().failureThreshold(2).build();

        assertThatThrownBy(() -> registry.circuitBreaker("payments", other))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("circuit breaker 'payments' already exists with config " + config + ", requested config "
                        + other);
    }

    @Test
    void defaultConfigIsUsedWithoutOne() {
        Registry registry = builder().defaultConfig(config).build();

        assertThat(registry.circuitBreaker("a").config()).isEqualTo(config);
        assertThat(registry.defaultConfig()).isSameAs(config);
        assertThat(Registry.ofDefaults().circuitBreaker("b").config()).isEqualTo(CircuitBreakerConfig.ofDefaults());
    }

    @Test
    void breakersUseTheRegistryTimeSourceAndListeners() {
        Registry registry = builder().build();
        CircuitBreaker breaker = registry.circuitBreaker("payments", config);

        failOnce(breaker);
        time.advance(Duration.ofSeconds(60));
        assertThat(breaker.tryAcquirePermission()).isTrue();

        assertThat(transitions)
                .extracting(t -> t.from() + "->" + t.to())
                .containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN");
        assertThat(transitions.get(0).timestamp()).isEqualTo(ManualTimeSource.DEFAULT_START);
        assertThat(events).hasValue(1);
    }

    @Test
    void namesAreSorted() {
        Registry registry = builder().build();
        registry.circuitBreaker("zeta");
        registry.circuitBreaker("alpha");
        registry.circuitBreaker("Mid");

        assertThat(registry.circuitBreakerNames()).containsExactly("Mid", "alpha", "zeta");
    }

    @Test
    void resetResetsTheNamedBreaker() {
        Registry registry = builder().build();
        CircuitBreaker breaker = registry.circuitBreaker("payments", config);
        failOnce(breaker);

        assertThat(registry.reset("payments")).isTrue();
        assertThat(registry.reset("unknown")).isFalse();

        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.stats().totalFailures()).isZero();
    }

    @Test
    void removeDetachesListenersAndForgetsTheName() {
        Registry registry = builder().build();
        CircuitBreaker removed = registry.circuitBreaker("payments", config);

        assertThat(registry.remove("payments")).isTrue();
        assertThat(registry.remove("payments")).isFalse();
        failOnce(removed);
        removed.tryAcquirePermission();

        assertThat(removed.state()).isEqualTo(CircuitState.OPEN);
        assertThat(transitions).isEmpty();
        assertThat(events).hasValue(0);
        assertThat(registry.circuitBreakerNames()).isEmpty();
        assertThat(registry.circuitBreaker("payments", config)).isNotSameAs(removed);
    }

    @Test
    void maxBreakersEvictsTheIdlestClosedBreaker() {
        Registry registry = builder().maxBreakers(3).build();
        registry.circuitBreaker("a");
        registry.circuitBreaker("b");
        registry.circuitBreaker("c");
        registry.circuitBreaker("a"); // looked up again: b is now the idlest

        registry.circuitBreaker("d");

        assertThat(registry.circuitBreakerNames()).containsExactly("a", "c", "d");
    }

    @Test
    void directUseCountsAsActivityForEviction() {
        Registry registry = builder().maxBreakers(2).build();
        CircuitBreaker a = registry.circuitBreaker("a");
        registry.circuitBreaker("b");
        registry.circuitBreaker("c"); // evicts a (idlest), scanning records b's activity
        assertThat(registry.circuitBreakerNames()).containsExactly("b", "c");
        CircuitBreaker c = registry.find("c").orElseThrow();
        registry.circuitBreaker("b");
        c.execute(() -> "used directly, not looked up");

        registry.circuitBreaker("d");

        assertThat(registry.circuitBreakerNames()).containsExactly("c", "d");
        assertThat(a.state()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void maxBreakersNeverEvictsABreakerThatIsNotClosed() {
        Registry registry = builder().maxBreakers(2).build();
        failOnce(registry.circuitBreaker("open", config));
        registry.circuitBreaker("disabled").disable();

        assertThatThrownBy(() -> registry.circuitBreaker("new"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("maxBreakers (2) reached and no breaker is CLOSED, so none can be evicted");
        assertThat(registry.circuitBreakerNames()).containsExactly("disabled", "open");

        registry.circuitBreaker("disabled").transitionToClosed();
        registry.circuitBreaker("new");
        assertThat(registry.circuitBreakerNames()).containsExactly("new", "open");
    }

    @Test
    void throwingRegistryListenerDoesNotStopTheOthers() {
        AtomicInteger second = new AtomicInteger();
        Registry registry = Registry.builder()
                .timeSource(time)
                .listener(new CircuitBreakerListener() {
                    @Override
                    public void onStateTransition(StateTransition transition) {
                        throw new IllegalStateException("first");
                    }

                    @Override
                    public void onCallNotPermitted(String breakerName, CircuitState state) {
                        throw new IllegalStateException("first");
                    }

                    @Override
                    public void onSuccess(String breakerName, long durationNanos) {
                        throw new IllegalStateException("first");
                    }

                    @Override
                    public void onError(String breakerName, long durationNanos, Throwable error) {
                        throw new IllegalStateException("first");
                    }
                })
                .listener(new CircuitBreakerListener() {
                    @Override
                    public void onStateTransition(StateTransition transition) {
                        second.incrementAndGet();
                    }

                    @Override
                    public void onCallNotPermitted(String breakerName, CircuitState state) {
                        second.incrementAndGet();
                    }

                    @Override
                    public void onSuccess(String breakerName, long durationNanos) {
                        second.incrementAndGet();
                    }

                    @Override
                    public void onError(String breakerName, long durationNanos, Throwable error) {
                        second.incrementAndGet();
                    }
                })
                .build();
        CircuitBreaker breaker = registry.circuitBreaker("x", config);

        breaker.execute(() -> "ok");
        failOnce(breaker);
        breaker.tryAcquirePermission();

        assertThat(second).hasValue(4); // success, error, transition, rejection
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void registryWithoutListenersCreatesPlainBreakers() {
        Registry registry = Registry.builder().timeSource(time).build();
        CircuitBreaker breaker = registry.circuitBreaker("x", config);

        failOnce(breaker);

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        assertThat(registry.listeners()).isEmpty();
        assertThat(registry.remove("x")).isTrue();
    }

    @Test
    void accessorsReturnWhatWasBuilt() {
        SplittableRandom random = new SplittableRandom(7);
        Registry registry = Registry.builder()
                .timeSource(time)
                .random(random)
                .listener(listener)
                .maxBreakers(9)
                .build();

        assertThat(registry.timeSource()).isSameAs(time);
        assertThat(registry.random()).isSameAs(random);
        assertThat(registry.listeners()).containsExactly(listener);
        assertThat(registry.maxBreakers()).isEqualTo(9);
        assertThat(registry.toString()).startsWith("Registry[breakers=0, maxBreakers=9, timeSource=");
        assertThat(Registry.ofDefaults().timeSource()).isSameAs(TimeSource.system());
        assertThat(Registry.ofDefaults().maxBreakers()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void argumentsAreChecked() {
        Registry.Builder b = Registry.builder();
        assertThatThrownBy(() -> b.timeSource(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("timeSource");
        assertThatThrownBy(() -> b.random(null)).hasMessage("random");
        assertThatThrownBy(() -> b.listener(null)).hasMessage("listener");
        assertThatThrownBy(() -> b.defaultConfig(null)).hasMessage("config");
        assertThatThrownBy(() -> b.maxBreakers(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxBreakers must be >= 1, was 0");
        Registry registry = b.build();
        assertThatThrownBy(() -> registry.circuitBreaker(null)).hasMessage("name");
        assertThatThrownBy(() -> registry.circuitBreaker("")).hasMessage("name must not be blank, was \"\"");
        assertThatThrownBy(() -> registry.circuitBreaker("a", null)).hasMessage("config");
        assertThatThrownBy(() -> registry.find(null)).hasMessage("name");
        assertThatThrownBy(() -> registry.reset(null)).hasMessage("name");
        assertThatThrownBy(() -> registry.remove(null)).hasMessage("name");
    }
}
