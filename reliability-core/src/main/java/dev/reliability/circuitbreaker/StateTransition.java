package dev.reliability.circuitbreaker;

import java.time.Instant;
import java.util.Objects;

/**
 * A committed change of a breaker's state, published once to every {@link CircuitBreakerListener}.
 *
 * @param breakerName the name of the breaker that changed state
 * @param from the state before the change
 * @param to the state after the change; never equal to {@code from}
 * @param timestamp when the change was committed, read from the breaker's time source wall clock
 */
public record StateTransition(String breakerName, CircuitState from, CircuitState to, Instant timestamp) {

    /**
     * Checks the components.
     *
     * @param breakerName the name of the breaker that changed state
     * @param from the state before the change
     * @param to the state after the change
     * @param timestamp when the change was committed
     * @throws NullPointerException if any component is null
     * @throws IllegalArgumentException if {@code from} equals {@code to}
     */
    public StateTransition {
        Objects.requireNonNull(breakerName, "breakerName");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(timestamp, "timestamp");
        if (from == to) {
            throw new IllegalArgumentException("to must differ from from, was " + to);
        }
    }
}
