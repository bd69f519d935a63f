package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailureRateWindowTest {
    private final ManualTimeSource time = new ManualTimeSource();
    private final RecordingListener listener = new RecordingListener();

    private StateMachineCircuitBreaker breaker(CircuitBreakerConfig.Builder config) {
        return new StateMachineCircuitBreaker("rate", config.build(), time, List.of(listener));
    }

    private static void call(CircuitBreaker breaker, boolean fails, long durationNanos) {
        assertThat(breaker.tryAcquirePermission()).isTrue();
        if (fails) {
            breaker.onError(durationNanos, new IOException());
        } else {
            breaker.onSuccess(durationNanos);
        }
    }

    @Test
    void theSuccessThatReachesMinimumCallsOpensAWindowOverTheRate() {
        StateMachineCircuitBreaker breaker = breaker(CircuitBreakerConfig.builder()
                .countBasedWindow(10)
                .minimumCalls(5)
                .failureRateThreshold(50));

        call(breaker, true, 1);
        call(breaker, true, 1);
        call(breaker, true, 1);
        call(breaker, false, 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED); // 4 calls: below minimumCalls
        call(breaker, false, 1); // the fifth call, a success: 3 of 5 failed

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void fastSuccessesPastMinimumCallsKeepTheWindowExact() {
        StateMachineCircuitBreaker breaker = breaker(CircuitBreakerConfig.builder()
                .countBasedWindow(4)
                .minimumCalls(4)
                .failureRateThreshold(75));
        call(breaker, true, 1);
        for (int i = 0; i < 10; i++) {
            call(breaker, false, 1); // evicts the failure, then replaces fast successes with fast successes
        }

        assertThat(breaker.stats().failureRate()).isEqualTo(0.0);
        call(breaker, true, 1);
        call(breaker, true, 1);
        assertThat(breaker.stats().failureRate()).isEqualTo(50.0);
        call(breaker, true, 1);

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void countWindowOpensWhenFailureRateReachesThreshold() {
        StateMachineCircuitBreaker breaker = breaker(CircuitBreakerConfig.builder()
                .countBasedWindow(10)
                .minimumCalls(4)
                .failureRateThreshold(50));

        call(breaker, false, 1);
        call(breaker, true, 1);
        call(breaker, false, 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED); // 3 calls: below minimumCalls
        call(breaker, true, 1);

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        assertThat(breaker.stats().failureRate()).isEqualTo(50.0);
    }

    @Test
    void countWindowStaysClosedJustBelowThreshold() {
        StateMachineCircuitBreaker breaker = breaker(CircuitBreakerConfig.builder()
                .countBasedWindow(4)
                .minimumCalls(4)
                .failureRateThreshold(75));

        call(breaker, true, 1);
        call(breaker, true, 1);
        call(breaker, false, 1);
        call(breaker, false, 1);

        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.stats().failureRate()).isEqualTo(50.0);
        assertThat(breaker.stats().slowCallRate()).isEqualTo(-1.0);
    }

    @Test
    void consecutiveFailuresAloneDoNotOpenInRateMode() {
        StateMachineCircuitBreaker breaker = breaker(CircuitBreakerConfig.builder()
                .failureThreshold(1)
                .countBasedWindow(100)
                .minimumCalls(10));

        for (int i = 0; i < 9; i++) {
            call(breaker, true, 1);
        }

        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.stats().failureRate()).isEqualTo(-1.0);
    }

    @Test
    void countWindowForgetsOldestCalls() {
        StateMachineCircuitBreaker breaker = breaker(CircuitBreakerConfig.builder()
                .countBasedWindow(4)
                .minimumCalls(4)
                .failureRateThreshold(60));

        call(breaker, true, 1);
        call(breaker, true, 1);
        call(breaker, false, 1);
        call(breaker, false, 1); // 2/4 = 50%
        call(breaker, false, 1); // evicts a failure: 1/4
        call(breaker, true, 1); // evicts a failure: 1/4
        call(breaker, true, 1); // evicts a success: 2/4

        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.stats().failureRate()).isEqualTo(50.0);
        call(breaker, true, 1); // evicts a success: 3/4 = 75%
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void minimumCallsIsCappedByCountWindowSize() {
        StateMachineCircuitBreaker breaker =
                breaker(CircuitBreakerConfig.builder().countBasedWindow(2));

        call(breaker, true, 1);
        call(breaker, true, 1);

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void reachingMinimumCallsWithASuccessCanOpen() {
        StateMachineCircuitBreaker breaker = breaker(CircuitBreakerConfig.builder()
                .countBasedWindow(10)
                .minimumCalls(3)
                .failureRateThreshold(60));

        call(breaker, true, 1);
        call(breaker, true, 1);
        call(breaker, false, 1);

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void slowCallsOpenWhenSlowRateReachesThreshold() {
        StateMachineCircuitBreaker breaker = breaker(CircuitBreakerConfig.builder()
                .countBasedWindow(4)
                .minimumCalls(4)
                .slowCallDuration(Duration.ofMillis(100))
                .slowCallRateThreshold(50));
        long slow = Duration.ofMillis(100).toNanos();

        call(breaker, false, slow);
        call(breaker, false, slow - 1);
        call(breaker, false, 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        call(breaker, true, slow);

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        CircuitStats stats = breaker.stats();
        assertThat(stats.slowCallRate()).isEqualTo(50.0);
        assertThat(stats.failureRate()).isEqualTo(25.0);
    }

    @Test
    void executeMeasuresDurationForSlowCalls() {
        StateMachineCircuitBreaker breaker = new StateMachineCircuitBreaker(
                "slow",
                CircuitBreakerConfig.builder()
                        .countBasedWindow(2)
                        .slowCallDuration(Duration.ofSeconds(1))
                        .slowCallRateThreshold(100)
                        .build(),
                time,
                List.of());

        breaker.execute(() -> time.advance(Duration.ofSeconds(2)));
        breaker.run(() -> time.advance(Duration.ofSeconds(1)));

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void timeWindowOpensOnRateWithinWindow() {
        StateMachineCircuitBreaker breaker = breaker(CircuitBreakerConfig.builder()
                .timeBasedWindow(Duration.ofSeconds(10))
                .minimumCalls(4)
                .failureRateThreshold(50));

        call(breaker, false, 1);
        call(breaker, false, 1);
        time.advance(Duration.ofSeconds(3));
        call(breaker, true, 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        call(breaker, true, 1);

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void timeWindowForgetsCallsOlderThanTheWindow() {
        StateMachineCircuitBreaker breaker = breaker(CircuitBreakerConfig.builder()
                .timeBasedWindow(Duration.ofSeconds(10))
                .minimumCalls(3)
                .failureRateThreshold(50));

        call(breaker, true, 1);
        call(breaker, true, 1);
        time.advance(Duration.ofSeconds(10));
        call(breaker, false, 1);
        call(breaker, false, 1);
        call(breaker, true, 1);

        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.stats().failureRate()).isCloseTo(33.33, org.assertj.core.data.Offset.offset(0.01));
        time.advance(Duration.ofSeconds(11));
        assertThat(breaker.stats().failureRate()).isEqualTo(-1.0);
    }

    @Test
    void windowStartsEmptyAfterClosing() {
        StateMachineCircuitBreaker breaker = breaker(CircuitBreakerConfig.builder()
                .countBasedWindow(4)
                .minimumCalls(2)
                .openDuration(Duration.ofSeconds(1)));
        call(breaker, true, 1);
        call(breaker, true, 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        assertThat(breaker.stats().failureRate()).isEqualTo(100.0); // kept for stats while open

        time.advance(Duration.ofSeconds(1));
        call(breaker, false, 1);

        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.stats().failureRate()).isEqualTo(-1.0);
        call(breaker, true, 1);
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void disabledBreakerRecordsRateButNeverOpens() {
        StateMachineCircuitBreaker breaker =
                breaker(CircuitBreakerConfig.builder().countBasedWindow(2));
        breaker.disable();

        call(breaker, true, 1);
        call(breaker, true, 1);
        call(breaker, true, 1);

        assertThat(breaker.state()).isEqualTo(CircuitState.DISABLED);
        assertThat(breaker.stats().failureRate()).isEqualTo(100.0);
    }

    @Test
    void countWindowCountsNeverExceedItsSize() {
        CountWindow window = new CountWindow(3);
        for (int i = 0; i < 10; i++) {
            window.record(0, SlidingWindow.FAILURE | SlidingWindow.SLOW);
        }

        assertThat(window.calls(0)).isEqualTo(3);
        assertThat(window.failures(0)).isEqualTo(3);
        assertThat(window.slowCalls(0)).isEqualTo(3);
        assertThat(window.needsTime()).isFalse();
    }

    @Test
    void timeWindowDropsRecordingOlderThanItsNewestBucket() {
        TimeWindow window = new TimeWindow(10, 10, 0);
        window.record(25, SlidingWindow.FAILURE); // bucket epoch 25, slot 5
        window.record(15, SlidingWindow.SLOW); // slot 5 again, but older than the bucket there: dropped

        assertThat(window.calls(25)).isEqualTo(1);
        assertThat(window.failures(25)).isEqualTo(1);
        assertThat(window.slowCalls(25)).isZero();
        assertThat(window.needsTime()).isTrue();
    }

    @Test
    void rateIsMinusOneBelowMinimumAndCappedAtHundred() {
        assertThat(SlidingWindow.rate(1, 1, 2)).isEqualTo(-1.0);
        assertThat(SlidingWindow.rate(0, 0, 0)).isEqualTo(-1.0);
        assertThat(SlidingWindow.rate(5, 4, 1)).isEqualTo(100.0);
        assertThat(SlidingWindow.rate(1, 4, 1)).isEqualTo(25.0);
    }
}
