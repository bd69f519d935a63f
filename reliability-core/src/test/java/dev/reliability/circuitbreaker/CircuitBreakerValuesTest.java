package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.NonRetryable;
import dev.reliability.ReliabilityException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CircuitBreakerValuesTest {

    @Test
    void statesHaveExternalNames() {
        assertThat(CircuitState.CLOSED.externalName()).isEqualTo("closed");
        assertThat(CircuitState.OPEN.externalName()).isEqualTo("open");
        assertThat(CircuitState.HALF_OPEN.externalName()).isEqualTo("half-open");
        assertThat(CircuitState.FORCED_OPEN.externalName()).isEqualTo("forced-open");
        assertThat(CircuitState.DISABLED.externalName()).isEqualTo("disabled");
        assertThat(CircuitState.CLOSED.permitsAllCalls()).isTrue();
        assertThat(CircuitState.DISABLED.permitsAllCalls()).isTrue();
        assertThat(CircuitState.HALF_OPEN.permitsAllCalls()).isFalse();
    }

    @Test
    void callNotPermittedIsCheapNonRetryableReliabilityException() {
        CallNotPermittedException e =
                new CallNotPermittedException("payments", CircuitState.OPEN, Duration.ofMillis(12500));

        assertThat(e).isInstanceOf(ReliabilityException.class).isInstanceOf(NonRetryable.class);
        assertThat(e.getStackTrace()).isEmpty();
        assertThat(e.breakerName()).isEqualTo("payments");
        assertThat(e.state()).isEqualTo(CircuitState.OPEN);
        assertThat(e.retryAfter()).isEqualTo(Duration.ofMillis(12500));
        assertThat(e.getMessage()).isEqualTo("circuit breaker 'payments' is open, retry after PT12.5S");
        assertThat(e.getCause()).isNull();
    }

    @Test
    void callNotPermittedChecksArguments() {
        assertThatThrownBy(() -> new CallNotPermittedException("a", CircuitState.OPEN, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("retryAfter must be >= 0, was PT-1S");
        assertThatThrownBy(() -> new CallNotPermittedException("a", CircuitState.OPEN, (Duration) null))
                .hasMessage("retryAfter");
        assertThatThrownBy(() -> new CallNotPermittedException(null, CircuitState.OPEN, Duration.ZERO))
                .hasMessage("breakerName");
        assertThatThrownBy(() -> new CallNotPermittedException("a", null, Duration.ZERO))
                .hasMessage("state");
        assertThat(new CallNotPermittedException("a", CircuitState.FORCED_OPEN, Duration.ofDays(365 * 400))
                        .retryAfter())
                .isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
    }

    @Test
    void stateTransitionChecksComponents() {
        Instant now = Instant.EPOCH;
        assertThat(new StateTransition("a", CircuitState.CLOSED, CircuitState.OPEN, now).to())
                .isEqualTo(CircuitState.OPEN);
        assertThatThrownBy(() -> new StateTransition("a", CircuitState.OPEN, CircuitState.OPEN, now))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("to must differ from from, was OPEN");
        assertThatThrownBy(() -> new StateTransition(null, CircuitState.OPEN, CircuitState.CLOSED, now))
                .hasMessage("breakerName");
        assertThatThrownBy(() -> new StateTransition("a", null, CircuitState.CLOSED, now))
                .hasMessage("from");
        assertThatThrownBy(() -> new StateTransition("a", CircuitState.OPEN, null, now))
                .hasMessage("to");
        assertThatThrownBy(() -> new StateTransition("a", CircuitState.OPEN, CircuitState.CLOSED, null))
                .hasMessage("timestamp");
    }

    @Test
    void statsRejectNegativeCounts() {
        assertThatThrownBy(() -> new CircuitStats(CircuitState.CLOSED, -1, 0, 0, 0, 0, 0, null, null, -1, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("requests must be >= 0, was -1");
        assertThatThrownBy(() -> new CircuitStats(CircuitState.CLOSED, 0, 0, 0, 0, 0, -2, null, null, -1, -1))
                .hasMessage("rejected must be >= 0, was -2");
        assertThatThrownBy(() -> new CircuitStats(null, 0, 0, 0, 0, 0, 0, null, null, -1, -1))
                .hasMessage("state");
    }
}
