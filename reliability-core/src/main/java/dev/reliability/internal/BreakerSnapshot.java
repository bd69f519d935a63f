package dev.reliability.internal;

/**
 * What a breaker persists, in JDK types only, so that the circuit breaker and the registry's persistence can exchange
 * it without the circuit breaker depending on the state store.
 *
 * @param state the state's external name, such as {@code "open"}
 * @param openRemainingNanos for an open breaker, how long it stays open from now (never negative); otherwise 0
 * @param openNanos the current open duration, grown by reopens
 * @param reopens how many times in a row half-open failed and reopened the breaker
 * @param failures the consecutive failures
 */
public record BreakerSnapshot(String state, long openRemainingNanos, long openNanos, int reopens, int failures) {
    /** The external name of the closed state. */
    public static final String CLOSED = "closed";
    /** The external name of the open state. */
    public static final String OPEN = "open";
    /** The external name of the half-open state. */
    public static final String HALF_OPEN = "half-open";
    /** The external name of the forced-open state. */
    public static final String FORCED_OPEN = "forced-open";
    /** The external name of the disabled state. */
    public static final String DISABLED = "disabled";

    /** Whether a breaker in this state rejects calls until told otherwise or until its open time has passed. */
    public boolean rejects() {
        return state.equals(OPEN) || state.equals(FORCED_OPEN);
    }
}
