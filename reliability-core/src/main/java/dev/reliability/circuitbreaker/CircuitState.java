package dev.reliability.circuitbreaker;

/**
 * The states of a {@link CircuitBreaker}. {@link #CLOSED}, {@link #OPEN} and {@link #HALF_OPEN} are driven by call
 * outcomes and time; {@link #FORCED_OPEN} and {@link #DISABLED} are entered and left only by manual control.
 */
public enum CircuitState {
    /** Calls are permitted and their outcomes are recorded; enough failures open the breaker. */
    CLOSED("closed"),
    /** Calls are rejected until the open duration has passed; then the breaker moves to {@link #HALF_OPEN}. */
    OPEN("open"),
    /** A limited number of trial calls are permitted; their outcomes close or reopen the breaker. */
    HALF_OPEN("half-open"),
    /** Every call is rejected until the breaker is reset or moved to another state by hand. */
    FORCED_OPEN("forced-open"),
    /** Every call is permitted and recorded, but the breaker never changes state by itself. */
    DISABLED("disabled");

    private final String externalName;

    CircuitState(String externalName) {
        this.externalName = externalName;
    }

    /**
     * Returns the lowercase name used outside Java, for example by the Lua binding: {@code "closed"}, {@code "open"},
     * {@code "half-open"}, {@code "forced-open"} or {@code "disabled"}.
     *
     * @return the external name of this state
     */
    public String externalName() {
        return externalName;
    }

    /**
     * Returns whether a breaker in this state permits calls without limit.
     *
     * @return true for {@link #CLOSED} and {@link #DISABLED}
     */
    public boolean permitsAllCalls() {
        return this == CLOSED || this == DISABLED;
    }
}
