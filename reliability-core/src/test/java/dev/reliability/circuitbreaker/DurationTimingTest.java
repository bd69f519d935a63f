package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.TimeSource;
import dev.reliability.registry.Registry;
import dev.reliability.testing.ManualTimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Which calls pay for durations: only listeners that override onSuccess or onError make execute read the clock,
 * also for a registry's listeners; slow calls are timed on the coarse clock when its resolution is fine enough.
 */
class DurationTimingTest {

    /** A manual clock that counts its monotonic reads. */
    static final class CountingTime implements TimeSource {
        final ManualTimeSource manual = new ManualTimeSource();
        final AtomicLong reads = new AtomicLong();

        @Override
        public Instant instant() {
            return manual.instant();
        }

        @Override
        public long nanoTime() {
            reads.incrementAndGet();
            return manual.nanoTime();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            manual.sleep(duration);
        }
    }

    /** Clock reads of 100 successful executes on a fresh breaker. */
    private static long readsPerHundredCalls(CountingTime time, CircuitBreaker breaker) {
        long before = time.reads.get();
        for (int i = 0; i < 100; i++) {
            breaker.execute(() -> "ok");
        }
        return time.reads.get() - before;
    }

    private static final CircuitBreakerListener TRANSITIONS_ONLY = new CircuitBreakerListener() {
        @Override
        public void onStateTransition(StateTransition transition) {}

        @Override
        public void onCallNotPermitted(String breakerName, CircuitState state) {}
    };

    @Test
    void aTransitionOnlyListenerAddsNoClockReadAndNoCall() {
        CountingTime time = new CountingTime();
        CircuitBreakerConfig config = CircuitBreakerConfig.ofDefaults();
        long none = readsPerHundredCalls(time, CircuitBreaker.of("none", config, time, List.of()));
        long transitions =
                readsPerHundredCalls(time, CircuitBreaker.of("transitions", config, time, List.of(TRANSITIONS_ONLY)));
        List<Long> durations = new ArrayList<>();
        CircuitBreakerListener outcomes = new CircuitBreakerListener() {
            @Override
            public void onSuccess(String breakerName, long durationNanos) {
                durations.add(durationNanos);
            }
        };
        long timed = readsPerHundredCalls(time, CircuitBreaker.of("outcomes", config, time, List.of(outcomes)));

        assertThat(transitions).isEqualTo(none);
        assertThat(timed).isEqualTo(none + 200); // start and end of each call
        assertThat(durations).hasSize(100);
    }

    @Test
    void aRegistrysTransitionOnlyListenerAddsNoClockRead() {
        CountingTime time = new CountingTime();
        CountingTime bare = new CountingTime();
        try (Registry registry = Registry.builder()
                        .timeSource(time)
                        .listener(TRANSITIONS_ONLY)
                        .build();
                Registry plain = Registry.builder().timeSource(bare).build()) {
            long withListener = readsPerHundredCalls(time, registry.circuitBreaker("a"));
            long without = readsPerHundredCalls(bare, plain.circuitBreaker("a"));

            assertThat(withListener).isEqualTo(without);
        }
    }

    @Test
    void aRegistrysOutcomeListenerStillGetsDurations() {
        ManualTimeSource time = new ManualTimeSource();
        List<Long> durations = new ArrayList<>();
        List<StateTransition> transitions = new ArrayList<>();
        CircuitBreakerListener listener = new CircuitBreakerListener() {
            @Override
            public void onStateTransition(StateTransition transition) {
                transitions.add(transition);
            }

            @Override
            public void onError(String breakerName, long durationNanos, Throwable error) {
                durations.add(durationNanos);
            }
        };
        try (Registry registry =
                Registry.builder().timeSource(time).listener(listener).build()) {
            CircuitBreaker breaker = registry.circuitBreaker(
                    "b", CircuitBreakerConfig.builder().failureThreshold(1).build());
            try {
                breaker.execute(() -> {
                    time.advance(Duration.ofMillis(7));
                    throw new IllegalStateException("down");
                });
            } catch (IllegalStateException expected) {
                // the call's own failure
            }
        }

        assertThat(durations).containsExactly(Duration.ofMillis(7).toNanos());
        assertThat(transitions).extracting(StateTransition::to).containsExactly(CircuitState.OPEN);
    }

    @Test
    void slowCallsOnAManualClockAreTimedExactly() {
        ManualTimeSource time = new ManualTimeSource();
        CircuitBreaker breaker = CircuitBreaker.of(
                "slow",
                CircuitBreakerConfig.builder()
                        .countBasedWindow(2)
                        .minimumCalls(2)
                        .slowCallDuration(Duration.ofSeconds(1))
                        .slowCallRateThreshold(100)
                        .build(),
                time,
                List.of());

        breaker.execute(() -> time.advance(Duration.ofMillis(999)));
        breaker.execute(() -> time.advance(Duration.ofSeconds(1)));
        assertThat(breaker.stats().slowCallRate()).isEqualTo(50.0);
        breaker.execute(() -> time.advance(Duration.ofSeconds(1)));

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void theCoarseClockMovesOnlyWhenItTicks() {
        ManualTimeSource time = new ManualTimeSource();
        CoarseClock clock = new CoarseClock(time, () -> {});
        long start = clock.nanoTime();

        time.advance(Duration.ofMillis(5));
        assertThat(clock.nanoTime()).isEqualTo(start);
        clock.tick();

        assertThat(clock.nanoTime() - start).isEqualTo(Duration.ofMillis(5).toNanos());
    }

    @Test
    void theSystemCoarseClockIsAdvancedByItsTicker() {
        TimeSource system = TimeSource.system();
        CoarseClock clock = CoarseClock.system();
        long first = clock.nanoTime();
        long deadline = system.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (clock.nanoTime() == first && system.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
        }

        assertThat(clock.nanoTime()).isNotEqualTo(first);
        assertThat(system.nanoTime() - clock.nanoTime()).isGreaterThanOrEqualTo(0L);
    }

    @Test
    void slowCallsOnTheSystemClockAreTimedCoarselyAndCounted() {
        CircuitBreaker breaker = CircuitBreaker.of(
                "coarse",
                CircuitBreakerConfig.builder()
                        .countBasedWindow(1)
                        .minimumCalls(1)
                        .slowCallDuration(Duration.ofMillis(20))
                        .slowCallRateThreshold(100)
                        .build());
        TimeSource system = TimeSource.system();

        breaker.execute(() -> "fast");
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        breaker.execute(() -> {
            long until = system.nanoTime() + Duration.ofMillis(60).toNanos(); // well past threshold and resolution
            while (system.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
            return "slow";
        });

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    }
}
