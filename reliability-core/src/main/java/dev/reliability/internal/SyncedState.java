package dev.reliability.internal;

/**
 * The states a persisted breaker exchanges with the registry's persistence, each with the name its store record holds.
 * A mirror of the public circuit state, so that the registry's persistence does not depend on the circuit breaker's
 * internals and the circuit breaker does not depend on the store.
 */
public enum SyncedState {
    /** Calls flow; failures are counted. */
    CLOSED("closed"),
    /** Calls are rejected until the open time ends. */
    OPEN("open"),
    /** Trial calls decide between closing and reopening. */
    HALF_OPEN("half-open"),
    /** Rejects every call until changed by hand. */
    FORCED_OPEN("forced-open"),
    /** Permits every call and never opens. */
    DISABLED("disabled");

    private static final SyncedState[] ALL = values();

    private final String stored;

    SyncedState(String stored) {
        this.stored = stored;
    }

    /** The name a store record holds. */
    public String stored() {
        return stored;
    }

    /**
     * The state a store record names.
     *
     * @throws IllegalArgumentException if {@code name} names no state
     */
    public static SyncedState ofStored(String name) {
        for (SyncedState s : ALL) {
            if (s.stored.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("state must be a circuit state's external name, was " + name);
    }

    /** Whether a breaker in this state rejects calls until told otherwise or until its open time has passed. */
    public boolean rejects() {
        return this == OPEN || this == FORCED_OPEN;
    }
}
