package dev.reliability.internal;

/**
 * The persistence of one breaker, handed to the breaker by the registry that creates it (see {@link #bindNext}) and
 * called on the breaker's slow paths only: never on a closed-state permit or a success that clears nothing. No method
 * does store I/O on the caller's thread; only {@link #attach} and {@link #claimTrial} may wait, each at most the
 * registry's store timeout. Implementations never throw.
 */
public interface BreakerSync {

    /** Called once, at the end of the breaker's construction: restores the stored state through {@code handle}. */
    void attach(BreakerHandle handle);

    /** A transition of the breaker was committed locally; {@code manual} for forceOpen, disable, close and reset. */
    void transitioned(SyncedState from, SyncedState to, boolean manual);

    /** A closed phase counted a failure that did not open it. */
    void failureCounted();

    /** A success cleared a closed phase's non-zero failure count. */
    void failuresCleared();

    /**
     * Asks for a half-open trial permit across every breaker sharing the store, before the breaker issues one.
     *
     * @return whether the trial may run
     */
    boolean claimTrial();

    /** A claimed trial permit was given back without an outcome (released, or not used after all). */
    void trialReleased();

    /** A half-open trial succeeded without closing the breaker locally. */
    void trialSucceeded();

    /**
     * Hands {@code sync} to the next breaker constructed on this thread; the registry calls it right before creating a
     * breaker, and {@link #takeBound} right after, so a binding never outlives the construction.
     */
    static void bindNext(BreakerSync sync) {
        Binding.NEXT.set(sync);
    }

    /** Returns and clears the sync bound on this thread, or null: what a breaker under construction persists through. */
    static BreakerSync takeBound() {
        BreakerSync sync = Binding.NEXT.get();
        Binding.NEXT.remove();
        return sync;
    }

    /** Holds the binding; a nested class because an interface cannot hold a private field. */
    final class Binding {
        private static final ThreadLocal<BreakerSync> NEXT = new ThreadLocal<>();

        private Binding() {}
    }
}
