package dev.reliability.circuitbreaker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One generation of a breaker's state: immutable identity (state, generation, timing) plus the counters that belong to
 * that generation alone. A transition replaces the whole phase by compare-and-set, so an outcome reported against an
 * older phase object can never touch the counters of the current one.
 *
 * <p>Everything a state store needs to restore the breaker is here: state, generation, when the phase began, the open
 * duration, the number of consecutive reopens, the consecutive failures and the half-open progress.
 */
final class Phase {
    private static final VarHandle CONSECUTIVE_FAILURES;
    private static final VarHandle HALF_OPEN;
    private static final VarHandle LAST_ACQUIRE_NANOS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            CONSECUTIVE_FAILURES = lookup.findVarHandle(Phase.class, "consecutiveFailures", int.class);
            HALF_OPEN = lookup.findVarHandle(Phase.class, "halfOpen", long.class);
            LAST_ACQUIRE_NANOS = lookup.findVarHandle(Phase.class, "lastAcquireNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The most calls a sampler lets pass between clock reads in open and half-open. */
    static final int REJECTION_MAX_MASK = 63;

    final CircuitState state;
    /** Read on the hot path instead of the enum, so the closed check is one field load and one branch. */
    final boolean permitsAll;

    final long generation;
    /** When this phase began, on the monotonic clock. */
    final long enteredNanos;
    /** How long an OPEN phase lasts; carried through HALF_OPEN so a reopen can grow it. */
    final long openNanos;
    /** How many times in a row half-open failed and reopened the breaker; 0 after it closes. */
    final int reopens;
    /** The failure-rate window: recorded into while CLOSED or DISABLED, kept afterwards for stats; null without one. */
    final SlidingWindow window;
    /** Decides when OPEN and full HALF_OPEN rejections read the clock; null in other states. */
    final ClockSampler sampler;

    /** Failures since the last success in this phase; decides CLOSED → OPEN in consecutive-failure mode. */
    volatile int consecutiveFailures;
    /** HALF_OPEN progress: successes in the high 32 bits, permits in flight in the low 32 bits. */
    volatile long halfOpen;
    /** HALF_OPEN: when the newest trial permit was issued. */
    volatile long lastAcquireNanos;

    Phase(
            CircuitState state,
            long generation,
            long enteredNanos,
            long openNanos,
            int reopens,
            SlidingWindow window,
            int consecutiveFailures) {
        this.state = state;
        this.permitsAll = state.permitsAllCalls();
        this.generation = generation;
        this.enteredNanos = enteredNanos;
        this.openNanos = openNanos;
        this.reopens = reopens;
        this.window = window;
        this.consecutiveFailures = consecutiveFailures;
        this.lastAcquireNanos = enteredNanos;
        this.sampler = (state == CircuitState.OPEN || state == CircuitState.HALF_OPEN)
                ? new ClockSampler(REJECTION_MAX_MASK, enteredNanos)
                : null;
    }

    /** Adds one failure and returns the new count. */
    int incrementFailures() {
        return (int) CONSECUTIVE_FAILURES.getAndAdd(this, 1) + 1;
    }

    /** Clears the failure count, writing only when it is not already zero so successes share the cache line. */
    void clearFailures() {
        if (consecutiveFailures != 0) {
            consecutiveFailures = 0;
        }
    }

    int halfOpenSuccesses() {
        return (int) (halfOpen >>> 32);
    }

    int permitsInFlight() {
        return (int) halfOpen;
    }

    /** Takes a trial permit if fewer than {@code limit} are in flight. */
    boolean tryTakePermit(int limit) {
        for (; ; ) {
            long current = halfOpen;
            if ((int) current >= limit) {
                return false;
            }
            if (HALF_OPEN.compareAndSet(this, current, current + 1)) {
                return true;
            }
        }
    }

    /**
     * Completes one trial permit; a success also adds to the successes. Returns the successes after the change, or -1
     * if no permit was in flight, in which case nothing changed.
     */
    int completePermit(boolean success) {
        for (; ; ) {
            long current = halfOpen;
            if ((int) current == 0) {
                return -1;
            }
            long next = current - 1 + (success ? 1L << 32 : 0L);
            if (HALF_OPEN.compareAndSet(this, current, next)) {
                return (int) (next >>> 32);
            }
        }
    }

    /** Records when a trial permit was issued, keeping the newest time when threads race. */
    void markAcquired(long nowNanos) {
        for (; ; ) {
            long current = lastAcquireNanos;
            if (nowNanos - current <= 0 || LAST_ACQUIRE_NANOS.compareAndSet(this, current, nowNanos)) {
                return;
            }
        }
    }

    @Override
    public String toString() {
        return state + "#" + generation;
    }
}
