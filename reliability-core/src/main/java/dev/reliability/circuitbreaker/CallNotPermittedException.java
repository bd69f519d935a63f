package dev.reliability.circuitbreaker;

import dev.reliability.NonRetryable;
import dev.reliability.ReliabilityException;
import dev.reliability.internal.Preconditions;
import java.time.Duration;
import java.util.Objects;

/**
 * Thrown by {@link CircuitBreaker#execute} and {@link CircuitBreaker#run} when the breaker does not permit the call.
 *
 * <p>It carries the breaker's name, the state that rejected the call and how long until calls may be permitted again.
 * Rejection is a hot path, so the exception has no stack trace and builds its message only when asked.
 *
 * <p>It is {@link NonRetryable}: a retry around a breaker stops at once on a rejection unless its policy names this type
 * in {@code retryOn(..)}.
 */
public final class CallNotPermittedException extends ReliabilityException implements NonRetryable {
    private static final long serialVersionUID = 1L;

    /** The name of the breaker that rejected the call. */
    private final String breakerName;
    /** The state that rejected the call. */
    private final CircuitState state;
    /** How long until calls may be permitted again, in nanoseconds. */
    private final long retryAfterNanos;

    /**
     * Creates the exception.
     *
     * @param breakerName the name of the breaker that rejected the call
     * @param state the state that rejected the call
     * @param retryAfter how long until calls may be permitted again, as the breaker knows it
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code retryAfter} is negative
     */
    public CallNotPermittedException(String breakerName, CircuitState state, Duration retryAfter) {
        this(breakerName, state, checkRetryAfter(retryAfter));
    }

    /** The allocation-light constructor used on the rejection path: one object, no message, no stack trace. */
    CallNotPermittedException(String breakerName, CircuitState state, long retryAfterNanos) {
        super(null, null, false);
        this.breakerName = Objects.requireNonNull(breakerName, "breakerName");
        this.state = Objects.requireNonNull(state, "state");
        this.retryAfterNanos = Math.max(0L, retryAfterNanos);
    }

    private static long checkRetryAfter(Duration retryAfter) {
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must be >= 0, was " + retryAfter);
        }
        return retryAfter.compareTo(Preconditions.MAX_DURATION) >= 0 ? Long.MAX_VALUE : retryAfter.toNanos();
    }

    /**
     * Returns the name of the breaker that rejected the call.
     *
     * @return the breaker's name
     */
    public String breakerName() {
        return breakerName;
    }

    /**
     * Returns the state that rejected the call: {@link CircuitState#OPEN}, {@link CircuitState#HALF_OPEN} (all trial
     * permits taken) or {@link CircuitState#FORCED_OPEN}.
     *
     * @return the rejecting state
     */
    public CircuitState state() {
        return state;
    }

    /**
     * Returns how long until the breaker may permit calls again. For {@link CircuitState#OPEN} it is the remaining open
     * time; for {@link CircuitState#HALF_OPEN} it is zero, since a trial may finish at any moment; for {@link
     * CircuitState#FORCED_OPEN}, which ends only by hand, it is the longest representable duration.
     *
     * @return the remaining time, never negative
     */
    public Duration retryAfter() {
        return Duration.ofNanos(retryAfterNanos);
    }

    /**
     * Returns a message naming the breaker, its state and the remaining time, for example {@code circuit breaker
     * 'payments' is open, retry after PT12.5S}.
     *
     * @return the message, built on each call
     */
    @Override
    public String getMessage() {
        String text = "circuit breaker '" + breakerName + "' is " + state.externalName();
        return state == CircuitState.FORCED_OPEN ? text : text + ", retry after " + retryAfter();
    }
}
