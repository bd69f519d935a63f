package dev.reliability.internal;

/**
 * The persistence of one breaker, called by the breaker on its slow paths only: never on a closed-state permit, and on
 * a closed-state success only when the success clears a failure count or the clock was sampled anyway. A breaker finds
 * its sync among the listeners it is created with. Implementations never throw and never hold a lock while the
 * breaker's caller runs user code.
 */
public interface BreakerSync {

    /** Called once, at the end of the breaker's construction: restores the stored state through {@code handle}. */
    void attach(BreakerHandle handle);

    /** A transition of the breaker was committed locally; {@code manual} for forceOpen, disable, close and reset. */
    void transitioned(Object from, Object to, boolean manual);

    /** A closed phase counted a failure that did not open it; {@code failures} is its new count. */
    void failureCounted(Object phase, int failures);

    /** A success cleared a closed phase's non-zero failure count. */
    void failuresCleared(Object phase);

    /**
     * Asks for a half-open trial permit across every breaker sharing the store, before the breaker issues one.
     *
     * @param nowNanos a clock reading the breaker has just taken
     * @return whether the trial may run
     */
    boolean tryClaimProbe(Object phase, long nowNanos);

    /** A claimed trial permit was given back without an outcome (released, or not used after all). */
    void probeReleased(Object phase);

    /** A half-open trial succeeded without closing the breaker locally. */
    void trialSucceeded(Object phase);

    /**
     * Offers a clock reading the breaker took anyway; refreshes from the store if the sync interval has passed.
     *
     * @return whether a refresh ran
     */
    boolean refreshIfDue(long nowNanos);
}
