package dev.reliability.internal;

/**
 * The side of a persisted breaker that the registry's sync worker drives: it reads the breaker's current phase and
 * installs phases adopted from the store. Installing is a compare-and-set on the generation of the current phase.
 */
public interface BreakerHandle {

    /** The breaker's name. */
    String name();

    /** The current phase, after committing any decided transition. */
    BreakerSnapshot snapshot();

    /**
     * Replaces the current phase by one built from {@code next}, if its generation is still {@code expectedGeneration}.
     * Publishes the change to the breaker's listeners when {@code publish} is set and the state differs.
     *
     * @return whether it was installed
     */
    boolean install(long expectedGeneration, BreakerSnapshot next, boolean publish);

    /**
     * Raises the consecutive failures of the closed phase of {@code generation} to {@code failures}, opening the
     * breaker when that reaches the threshold. No effect on another phase or a higher count.
     */
    void raiseFailures(long generation, int failures);

    /** The consecutive failures that open the breaker. */
    int failureThreshold();

    /** The half-open successes that close the breaker. */
    int successThreshold();

    /** The trial calls half-open admits. */
    int halfOpenPermits();

    /** How long half-open waits for its trial calls before issuing new permits, in nanoseconds. */
    long maxWaitInHalfOpenNanos();
}
