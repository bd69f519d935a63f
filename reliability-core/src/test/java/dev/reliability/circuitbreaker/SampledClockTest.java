package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The clock samplers under dense traffic in virtual time. Successes: the last-success time stays within one sampling
 * interval of the truth. Open-state rejections between clock samples: once dense traffic has widened the sampler, most rejections read no
 * clock (the inlined fast path), yet every one is counted and published, and the move to half-open is late by at most
 * one sampling interval of the calling thread.
 */
class SampledClockTest {
    private final ManualTimeSource time = new ManualTimeSource();
    private final RecordingListener listener = new RecordingListener();
    private final StateMachineCircuitBreaker breaker = new StateMachineCircuitBreaker(
            "sampled",
            CircuitBreakerConfig.builder()
                    .failureThreshold(1)
                    .openDuration(Duration.ofSeconds(1))
                    .build(),
            time,
            List.of(listener));

    /** Executes a call returning {@code result}; returns its rejection, or null if it ran. */
    private CallNotPermittedException rejection(String result) {
        try {
            breaker.execute(() -> result);
            return null;
        } catch (CallNotPermittedException e) {
            return e;
        }
    }

    private void openUnderDenseTraffic() {
        breaker.tryAcquirePermission();
        breaker.onError(1, new IOException());
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        for (int i = 0; i < 10_000; i++) {
            time.advance(Duration.ofNanos(1000)); // 1 µs between calls: the sampler widens to its maximum
            assertThat(breaker.tryAcquirePermission()).isFalse();
        }
        assertThat(breaker.phase().sampler.mask()).isEqualTo(Phase.REJECTION_MAX_MASK);
    }

    @Test
    void lastSuccessTimeStaysWithinOneSamplingIntervalUnderDenseTraffic() {
        for (int i = 0; i < 10_000; i++) {
            time.advance(Duration.ofNanos(1000)); // 1 µs between successes: the sampler widens to its maximum
            assertThat(breaker.tryAcquirePermission()).isTrue();
            breaker.onSuccess(1);
        }

        CircuitStats stats = breaker.stats();

        assertThat(stats.totalSuccess()).isEqualTo(10_000L);
        Duration behind = Duration.between(stats.lastSuccessTime(), time.instant());
        assertThat(behind.isNegative()).isFalse();
        assertThat(behind)
                .isLessThanOrEqualTo(Duration.ofNanos(1000L * (StateMachineCircuitBreaker.SUCCESS_MAX_MASK + 1)));
        assertThat(stats.lastSuccessTime()).isAfter(ManualTimeSource.DEFAULT_START.plusMillis(8));
    }

    @Test
    void rejectionsBetweenSamplesAreCountedAndPublished() {
        openUnderDenseTraffic();

        CallNotPermittedException rejected = null;
        for (int i = 0; i < 100; i++) {
            rejected = rejection("never");
            assertThat(rejected).isNotNull();
        }

        assertThat(rejected.state()).isEqualTo(CircuitState.OPEN);
        assertThat(rejected.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(breaker.stats().rejected()).isEqualTo(10_100L);
        assertThat(listener.rejections).hasSize(10_100);
    }

    @Test
    void movesToHalfOpenWithinOneSamplingInterval() {
        openUnderDenseTraffic();

        time.advance(Duration.ofSeconds(1));
        int calls = 1;
        while (!breaker.tryAcquirePermission()) {
            calls++;
        }

        assertThat(calls).isLessThanOrEqualTo(Phase.REJECTION_MAX_MASK + 1);
        assertThat(breaker.phase().state).isEqualTo(CircuitState.HALF_OPEN);
        assertThat(listener.path()).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN");
        assertThat(breaker.stats().rejected()).isEqualTo(10_000L + calls - 1);
    }

    @Test
    void executeMovesToHalfOpenWithinOneSamplingInterval() {
        openUnderDenseTraffic();

        time.advance(Duration.ofSeconds(1));
        int calls = 1;
        while (rejection("trial") != null) {
            calls++;
        }

        assertThat(calls).isLessThanOrEqualTo(Phase.REJECTION_MAX_MASK + 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED); // the trial succeeded
    }

    @Test
    void runRejectsAndMovesToHalfOpenAsExecuteDoes() {
        openUnderDenseTraffic();
        List<Boolean> ran = new ArrayList<>();

        for (int i = 0; i < 100; i++) {
            assertThatThrownBy(() -> breaker.run(() -> ran.add(true)))
                    .isInstanceOfSatisfying(
                            CallNotPermittedException.class,
                            e -> assertThat(e.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1)));
        }
        time.advance(Duration.ofSeconds(1));
        int calls = 1;
        while (true) {
            try {
                breaker.run(() -> ran.add(true));
                break;
            } catch (CallNotPermittedException stillOpen) {
                calls++;
            }
        }

        assertThat(ran).hasSize(1);
        assertThat(calls).isLessThanOrEqualTo(Phase.REJECTION_MAX_MASK + 1);
        assertThat(breaker.stats().rejected()).isEqualTo(10_100L + calls - 1);
        assertThat(listener.rejections).hasSize(10_100 + calls - 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED); // the trial succeeded
    }
}
