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

    /**
     * Failures since the last success in this phase; decides CLOSED → OPEN in consecutive-failure mode. {@link
     * #TRIPPED} once the threshold is reached.
     */
    volatile int consecutiveFailures;
    /**
     * HALF_OPEN progress: permits in flight in the low 32 bits, successes above them, and two seal bits at the top
     * that record a decision to close or reopen that is not yet committed.
     */
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

    /** {@link #consecutiveFailures} of a CLOSED phase whose failures reached the threshold: it is tripped. */
    static final int TRIPPED = -1;
    /** Result of {@link #completeTrial}: no permit was outstanding or the phase is sealed; nothing changed. */
    static final int NOT_COUNTED = 0;
    /** Result of {@link #completeTrial}: the outcome was counted and the phase stays half-open. */
    static final int COUNTED = 1;
    /** Result of {@link #completeTrial} and {@link #sealedAs}: the phase is sealed to close. */
    static final int CLOSE = 2;
    /** Result of {@link #completeTrial} and {@link #sealedAs}: the phase is sealed to reopen. */
    static final int REOPEN = 3;

    private static final long SEALED_CLOSE = 1L << 62;
    private static final long SEALED_REOPEN = 1L << 61;
    private static final long SEALED = SEALED_CLOSE | SEALED_REOPEN;
    private static final long PERMITS = 0xFFFF_FFFFL;
    private static final long ONE_SUCCESS = 1L << 32;

    /**
     * Adds one failure to a CLOSED or DISABLED phase. When the count reaches {@code threshold} the phase is sealed as
     * {@link #TRIPPED} in the same atomic step, so no success can clear the count between the decision to open and the
     * transition: whoever sees the seal completes the transition. Returns the new count, {@link #TRIPPED} if this
     * failure tripped the phase, or {@link Integer#MIN_VALUE} if it was already tripped and the failure is not counted.
     */
    int addFailure(int threshold) {
        for (; ; ) {
            int current = consecutiveFailures;
            if (current < 0) {
                return Integer.MIN_VALUE;
            }
            int next = current + 1 >= threshold ? TRIPPED : current + 1;
            if (CONSECUTIVE_FAILURES.compareAndSet(this, current, next)) {
                return next;
            }
        }
    }

    /** Whether a CLOSED phase has tripped and waits for its transition to OPEN. */
    boolean tripped() {
        return consecutiveFailures < 0;
    }

    /**
     * Clears the failure count after a success. Reads only, when the count is already zero, so threads that succeed
     * keep sharing the cache line; never clears a tripped phase.
     */
    void clearFailures() {
        for (; ; ) {
            int current = consecutiveFailures;
            if (current <= 0 || CONSECUTIVE_FAILURES.compareAndSet(this, current, 0)) {
                return;
            }
        }
    }

    int halfOpenSuccesses() {
        return (int) ((halfOpen & ~SEALED) >>> 32);
    }

    int permitsInFlight() {
        return (int) (halfOpen & PERMITS);
    }

    /** How a HALF_OPEN phase is sealed: {@link #CLOSE}, {@link #REOPEN}, or {@link #NOT_COUNTED} if it is not. */
    int sealedAs() {
        long current = halfOpen;
        return (current & SEALED_CLOSE) != 0 ? CLOSE : (current & SEALED_REOPEN) != 0 ? REOPEN : NOT_COUNTED;
    }

    /** Takes the first trial permit of a new HALF_OPEN phase before it is published. */
    void takeFirstPermit() {
        halfOpen = 1L;
    }

    /** Takes a trial permit if the phase is not sealed and fewer than {@code limit} are in flight. */
    boolean tryTakePermit(int limit) {
        for (; ; ) {
            long current = halfOpen;
            if ((current & SEALED) != 0 || (current & PERMITS) >= limit) {
                return false;
            }
            if (HALF_OPEN.compareAndSet(this, current, current + 1)) {
                return true;
            }
        }
    }

    /** Gives back a trial permit without an outcome; no effect if none is outstanding or the phase is sealed. */
    void releasePermit() {
        for (; ; ) {
            long current = halfOpen;
            if ((current & SEALED) != 0 || (current & PERMITS) == 0) {
                return;
            }
            if (HALF_OPEN.compareAndSet(this, current, current - 1)) {
                return;
            }
        }
    }

    /**
     * Completes a trial permit with an outcome. A failure, or the success that reaches {@code successThreshold}, seals
     * the phase in the same atomic step, so no permit can be taken and no other outcome counted before the transition.
     * Returns {@link #NOT_COUNTED}, {@link #COUNTED}, {@link #CLOSE} or {@link #REOPEN}.
     */
    int completeTrial(boolean success, int successThreshold) {
        for (; ; ) {
            long current = halfOpen;
            if ((current & SEALED) != 0 || (current & PERMITS) == 0) {
                return NOT_COUNTED;
            }
            long next = current - 1;
            int result;
            if (!success) {
                next |= SEALED_REOPEN;
                result = REOPEN;
            } else {
                next += ONE_SUCCESS;
                boolean closes = (int) (next >>> 32) >= successThreshold;
                next |= closes ? SEALED_CLOSE : 0L;
                result = closes ? CLOSE : COUNTED;
            }
            if (HALF_OPEN.compareAndSet(this, current, next)) {
                return result;
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
