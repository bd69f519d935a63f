package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ClockEdgeTest {
    private static final Duration OPEN = Duration.ofSeconds(30);

    static Stream<Long> monotonicStarts() {
        long random = new SplittableRandom(42).nextLong();
        return Stream.of(
                Long.MAX_VALUE - Duration.ofMinutes(1).toNanos(),
                -Duration.ofMinutes(1).toNanos(),
                Long.MIN_VALUE,
                0L,
                random);
    }

    private static StateMachineCircuitBreaker openBreaker(ManualTimeSource time) {
        StateMachineCircuitBreaker breaker = new StateMachineCircuitBreaker(
                "edge",
                CircuitBreakerConfig.builder()
                        .failureThreshold(1)
                        .openDuration(OPEN)
                        .timeBasedWindow(Duration.ofMinutes(5))
                        .minimumCalls(1)
                        .build(),
                time,
                List.of());
        assertThat(breaker.tryAcquirePermission()).isTrue();
        breaker.onError(1, new IOException());
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        return breaker;
    }

    @ParameterizedTest
    @MethodSource("monotonicStarts")
    void openDurationHoldsToWithinOneTickWhereverTheMonotonicClockStarts(long startNanos) {
        // Given a breaker opened near the start, across which the clock may wrap
        ManualTimeSource time = new ManualTimeSource(ManualTimeSource.DEFAULT_START, startNanos);
        time.advance(Duration.ofSeconds(20));
        StateMachineCircuitBreaker breaker = openBreaker(time);

        // When the open duration has passed but for one tick, it still rejects
        time.advance(OPEN.minusNanos(1));
        assertThat(breaker.tryAcquirePermission()).isFalse();

        // Then one tick later it admits a trial
        time.advance(Duration.ofNanos(1));
        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    }

    @ParameterizedTest
    @MethodSource("monotonicStarts")
    void wallClockSteppingBackChangesNothing(long startNanos) {
        ManualTimeSource time = new ManualTimeSource(Instant.parse("2026-03-29T01:30:00Z"), startNanos);
        StateMachineCircuitBreaker breaker = openBreaker(time);

        time.stepWallClock(Duration.ofHours(-1));
        time.advance(OPEN.minusNanos(1));
        assertThat(breaker.tryAcquirePermission()).isFalse();
        time.advance(Duration.ofNanos(1));

        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.stats().lastFailureTime()).isEqualTo(time.instant().minus(OPEN));
    }
}
