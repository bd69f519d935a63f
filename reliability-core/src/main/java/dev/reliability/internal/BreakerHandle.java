package dev.reliability.internal;

/**
 * The side of a persisted breaker that the registry's persistence drives: it reads the breaker's current phase and
 * installs phases adopted from the store. Phases are opaque tokens; installing is a compare-and-set on the current one.
 */
public interface BreakerHandle {

    /** The breaker's name. */
    String name();

    /** The current phase, after committing any decided transition. */
    Object current();

    /** The persisted part of a phase. */
    BreakerSnapshot snapshot(Object phase);

    /**
     * Replaces {@code expected} by a phase built from {@code next}, if {@code expected} is still current. Publishes the
     * change to the breaker's listeners when {@code publish} is set and the state differs.
     *
     * @return the installed phase, or null if {@code expected} was no longer current
     */
    Object install(Object expected, BreakerSnapshot next, boolean publish);

    /** Publishes the change from one phase to another to the breaker's listeners, if their states differ. */
    void publish(Object from, Object to);

    /**
     * Raises the consecutive failures of a closed phase to {@code failures}, opening the breaker when that reaches the
     * threshold. No effect on another phase or a higher count.
     */
    void raiseFailures(Object phase, int failures);

    /** The consecutive failures that open the breaker. */
    int failureThreshold();

    /** The half-open successes that close the breaker. */
    int successThreshold();

    /** The trial calls half-open admits. */
    int halfOpenPermits();

    /** How long half-open waits for its trial calls before issuing new permits, in nanoseconds. */
    long maxWaitInHalfOpenNanos();
}
