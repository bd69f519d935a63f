package dev.reliability.circuitbreaker;

import dev.reliability.TimeSource;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jetbrains.kotlinx.lincheck.annotations.Operation;

/**
 * The object Lincheck drives: one breaker and its low-level operations. Lincheck creates it through the public
 * no-argument constructor and runs the {@link Operation} methods concurrently and sequentially.
 *
 * <p>The clock is a counter that moves one open duration forward on every read, so an open breaker is always due for
 * half-open at its next permission check. A clock that moves between an operation's read and its commit cannot be
 * linearized against operations that read it too; a counter keeps every run deterministic and still drives every
 * transition: closed to open at the threshold, open to half-open, the half-open permit limit, close and reopen.
 */
public class BreakerLincheckModel {
    private final CircuitBreaker breaker = new StateMachineCircuitBreaker(
            "lincheck",
            CircuitBreakerConfig.builder()
                    .failureThreshold(2)
                    .successThreshold(2)
                    .halfOpenPermits(1)
                    .openDuration(Duration.ofSeconds(1))
                    .maxWaitInHalfOpen(Duration.ofDays(1))
                    .build(),
            new SteppingClock(),
            List.of());

    /** Creates the object under test. */
    public BreakerLincheckModel() {}

    /**
     * Asks for a permit.
     *
     * @return whether the call was permitted
     */
    @Operation
    public boolean tryAcquirePermission() {
        return breaker.tryAcquirePermission();
    }

    /** Reports a success. */
    @Operation
    public void onSuccess() {
        breaker.onSuccess(1);
    }

    /** Reports a failure. */
    @Operation
    public void onError() {
        breaker.onError(1, new IOException("down"));
    }

    /** Releases a permit. */
    @Operation
    public void releasePermission() {
        breaker.releasePermission();
    }

    /**
     * Reads the state.
     *
     * @return the state
     */
    @Operation
    public CircuitState state() {
        return breaker.state();
    }

    /** A monotonic clock that moves one second on every read. */
    private static final class SteppingClock implements TimeSource {
        private final AtomicLong nanos = new AtomicLong();

        @Override
        public Instant instant() {
            return Instant.EPOCH;
        }

        @Override
        public long nanoTime() {
            return nanos.getAndAdd(1_000_000_000L);
        }

        @Override
        public void sleep(Duration duration) {
            throw new UnsupportedOperationException("the model never sleeps");
        }
    }
}
