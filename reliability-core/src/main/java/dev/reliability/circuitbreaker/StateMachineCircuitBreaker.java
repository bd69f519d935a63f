package dev.reliability.circuitbreaker;

import static dev.reliability.internal.Preconditions.checkName;
import static dev.reliability.internal.Preconditions.checkNotNull;

import dev.reliability.CheckedRunnable;
import dev.reliability.CheckedSupplier;
import dev.reliability.TimeSource;
import dev.reliability.internal.BreakerEvents;
import dev.reliability.internal.BreakerHandle;
import dev.reliability.internal.BreakerSnapshot;
import dev.reliability.internal.BreakerSync;
import dev.reliability.internal.Exceptions;
import dev.reliability.internal.SyncedState;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The lock-free circuit breaker. Its state is one {@link Phase} per generation, replaced by compare-and-set; each
 * transition is committed by exactly one thread, which then publishes it. A decision that must change the state (the
 * failure that reaches the threshold, the half-open success that closes, the half-open failure that reopens) first
 * seals its phase in the same atomic step that counts it; any thread that meets a sealed phase helps commit the
 * transition. The operations are therefore linearizable, which the Lincheck tests check.
 *
 * <p>Hot paths. Closed, consecutive-failure mode: a permit is two reads of the phase (the reference and its failure
 * count); a success adds one to a striped counter cell (a plain store when the calling thread owns the cell, an atomic
 * add when it shares it; see {@link StripedCounters}), and a clock read for the last-success time only on a sample of
 * calls (see {@link ClockSampler}, which decides from the count the success wrote). The failure count is written only when it is not zero, so
 * successes on different cores share its cache line. Open: a rejection is a phase read, the same striped count and a
 * sampled clock read; between samples it takes a path small enough to be inlined into {@code tryAcquirePermission},
 * {@code execute} and {@code run}, which share one way in ({@link #acquire}). Nothing on these paths allocates or locks.
 *
 * <p>Durations. {@code execute} reads the clock around the call only when some listener overrides {@link
 * CircuitBreakerListener#onSuccess} or {@link CircuitBreakerListener#onError} (a listener that only watches transitions
 * or rejections costs the success path nothing), or when slow calls are tracked with a threshold below {@link
 * CoarseClock#MIN_THRESHOLD_NANOS} or on a time source other than the system one. Slow calls with a threshold of at
 * least that on the system time source are timed on the {@link CoarseClock}: two field reads per call, with a
 * resolution of about a millisecond.
 *
 * <p>Everything a state store needs to snapshot and restore the breaker lives in the current phase: state,
 * generation, when it began, the open duration, the number of consecutive reopens, the consecutive failures and the
 * half-open progress. A breaker created by a registry with a state store is handed its {@link BreakerSync} by the
 * registry (see {@link BreakerSync#bindNext}): the sync restores the stored state at creation, is told of every
 * transition and counted failure (queued, never written on the caller's thread) and claims half-open trial permits
 * across JVMs, so the closed-state permit and zero-failure success paths stay exactly as they are without one.
 */
final class StateMachineCircuitBreaker implements CircuitBreaker {
    private static final VarHandle PHASE;

    static {
        try {
            PHASE = MethodHandles.lookup().findVarHandle(StateMachineCircuitBreaker.class, "phase", Phase.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The most successes between clock reads for the last-success time. */
    static final int SUCCESS_MAX_MASK = 1023;

    /**
     * What {@link #acquireOpen} and {@link #acquireHalfOpen} return when the phase they were given is no longer
     * current: the caller asks again with the current one. Never installed.
     */
    private static final Phase AGAIN = new Phase(CircuitState.CLOSED, -1L, 0L, 0L, 0, null, 0);

    private final String name;
    private final CircuitBreakerConfig config;
    private final TimeSource time;
    /** The listeners, with the one catch point for a listener that throws; a registry's, detached on removal. */
    private final BreakerEvents<CircuitBreakerListener> events;
    /** Whether some listener overrides onSuccess or onError: without one, an outcome costs this field's read. */
    private final boolean hearsOutcomes;
    /** The persistence of a registry with a state store, or null. */
    private final BreakerSync sync;

    private final int failureThreshold;
    private final int successThreshold;
    private final int halfOpenPermits;
    private final long baseOpenNanos;
    private final long maxOpenNanos;
    private final double openMultiplier;
    private final long maxWaitInHalfOpenNanos;
    private final long slowNanos;
    private final boolean windowMode;
    private final int minimumCalls;
    private final boolean timeWindow;
    /** How execute measures durations: {@link #UNTIMED}, {@link #COARSE} or {@link #EXACT}. */
    private final int timing;
    /** The clock of {@link #COARSE} timing, or null. */
    private final CoarseClock coarse;

    /** Timing: no duration is needed. */
    private static final int UNTIMED = 0;
    /** Timing: only the slow-call window needs durations, and the coarse clock is precise enough for its threshold. */
    private static final int COARSE = 1;
    /** Timing: durations read from the time source, for listeners or for a short slow-call threshold. */
    private static final int EXACT = 2;

    private volatile Phase phase;

    // Totals: successes and rejections (the hot paths) in striped cells that threads mostly own, the others in
    // LongAdders, so threads on different cores do not write one cache line.
    private final StripedCounters counters = new StripedCounters();
    private final LongAdder failures = new LongAdder();
    private final LongAdder released = new LongAdder();
    /** Samples the clock on successes; its last sample is the last-success time. */
    private final ClockSampler successClock = new ClockSampler(SUCCESS_MAX_MASK);
    /** The success total at the last failure; consecutive successes are derived from it. */
    private volatile long successesAtLastFailure;

    private volatile long lastFailureNanos;
    private volatile boolean hasFailure;

    StateMachineCircuitBreaker(
            String name,
            CircuitBreakerConfig config,
            TimeSource time,
            List<? extends CircuitBreakerListener> listeners) {
        this.name = checkName(name, "name");
        this.config = checkNotNull(config, "config");
        this.time = checkNotNull(time, "timeSource");
        checkNotNull(listeners, "listeners");
        BreakerEvents<CircuitBreakerListener> bound = BreakerEvents.takeBound();
        this.events = bound != null ? bound : BreakerEvents.of(listeners, CircuitBreakerListener.class);
        this.hearsOutcomes = events.hearsOutcomes();
        this.sync = BreakerSync.takeBound();
        this.failureThreshold = config.failureThreshold();
        this.successThreshold = config.successThreshold();
        this.halfOpenPermits = config.halfOpenPermits();
        this.baseOpenNanos = config.openDuration().toNanos();
        this.maxOpenNanos = config.maxOpenDuration().toNanos();
        this.openMultiplier = config.openDurationMultiplier();
        this.maxWaitInHalfOpenNanos = config.maxWaitInHalfOpen().toNanos();
        this.slowNanos = config.slowCallDuration().toNanos();
        this.windowMode = config.hasWindow();
        this.timeWindow = windowMode && config.countWindowSize() == 0;
        this.minimumCalls = config.countWindowSize() > 0
                ? Math.min(config.minimumCalls(), config.countWindowSize())
                : config.minimumCalls();
        boolean coarseEnough = slowNanos >= CoarseClock.MIN_THRESHOLD_NANOS && time == TimeSource.system();
        if (hearsOutcomes || (slowNanos > 0 && !coarseEnough)) {
            this.timing = EXACT;
            this.coarse = null;
        } else if (slowNanos > 0) {
            this.timing = COARSE;
            this.coarse = CoarseClock.system();
        } else {
            this.timing = UNTIMED;
            this.coarse = null;
        }
        long now = time.nanoTime();
        this.phase = new Phase(CircuitState.CLOSED, 0L, now, baseOpenNanos, 0, newWindow(now), 0);
        if (sync != null) {
            sync.attach(new Handle()); // last: restores the stored phase into a fully built breaker
        }
    }

    private SlidingWindow newWindow(long nowNanos) {
        return windowMode ? SlidingWindow.create(config, nowNanos) : null;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CircuitBreakerConfig config() {
        return config;
    }

    @Override
    public CircuitState state() {
        return refreshed().state;
    }

    /**
     * The current phase, after moving an open breaker whose open duration has passed to half-open, without taking a
     * permit. This is how a scheduler the user supplies can drive the move: by polling {@link #state()}. Reads the
     * clock only when the breaker is open.
     */
    private Phase refreshed() {
        Phase p = current();
        if (p.state == CircuitState.OPEN) {
            long now = time.nanoTime();
            if (now - p.enteredNanos >= p.openNanos) {
                transition(p, halfOpen(p, now, false));
                return current();
            }
        }
        return p;
    }

    /** How many striped counter cells exist, for tests: at most {@link StripedCounters#STRIPES}. */
    int counterCells() {
        return counters.cellCount();
    }

    /** The current phase, for tests. */
    Phase phase() {
        return current();
    }

    /** The current phase, after committing any transition that a sealed phase has already decided. */
    private Phase current() {
        for (; ; ) {
            Phase p = phase;
            if (!finishSealed(p)) {
                return p;
            }
        }
    }

    /**
     * Commits the transition a sealed phase has decided, helping the thread that sealed it; whichever thread's
     * compare-and-set wins publishes the event. Returns false if {@code p} is not sealed.
     *
     * <p>Sealing makes a decision and its effect on other threads one atomic step: once the count of a closed phase
     * is tripped, or a half-open phase is sealed to close or reopen, no permit or outcome of that phase changes
     * anything, and every thread that looks treats the phase as already replaced. Lincheck found the race this
     * closes: a success clearing the count between a failure's decision to open and the transition.
     */
    private boolean finishSealed(Phase p) {
        if (p.state == CircuitState.CLOSED) {
            if (!p.tripped()) {
                return false;
            }
            open(p, time.nanoTime(), baseOpenNanos, 0, failureThreshold);
            return true;
        }
        if (p.state == CircuitState.HALF_OPEN) {
            int sealed = p.sealedAs();
            if (sealed == Phase.CLOSE) {
                long now = time.nanoTime();
                transition(
                        p, new Phase(CircuitState.CLOSED, p.generation + 1, now, baseOpenNanos, 0, newWindow(now), 0));
                return true;
            }
            if (sealed == Phase.REOPEN) {
                open(p, time.nanoTime(), grow(p.openNanos), p.reopens + 1, Math.max(0, p.consecutiveFailures) + 1);
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- permits

    @Override
    public boolean tryAcquirePermission() {
        return acquire(false) != null;
    }

    /**
     * The one way in for {@code tryAcquirePermission}, {@code execute} and {@code run}: the closed check, then the
     * common open rejection, both small enough to be inlined into the callers, then {@link #acquireSlow}. Returns the
     * phase that issued the permit, or null (or throws, when {@code throwing}) on rejection.
     */
    private Phase acquire(boolean throwing) {
        Phase p = phase;
        if (p.permitsAll && !p.tripped()) {
            return p;
        }
        if (p.state == CircuitState.OPEN && rejectedUnsampled(p, throwing)) {
            return null;
        }
        return acquireSlow(p, throwing);
    }

    /**
     * The common OPEN rejection: no clock sample is due for this thread and the last sample shows the open duration
     * has not passed. Rejects (or throws, when {@code throwing}) and returns true; otherwise returns false without any
     * effect, and {@link #acquireOpen} decides, sampling the clock.
     */
    private boolean rejectedUnsampled(Phase p, boolean throwing) {
        StripedCounters.Cell cell = counters.cell();
        ClockSampler sampler = p.sampler;
        long elapsed = sampler.lastNanos() - p.enteredNanos;
        if (sampler.shouldSample(cell.rejectedHint()) || elapsed >= p.openNanos) {
            return false;
        }
        reject(p, p.openNanos - elapsed, throwing, cell);
        return true;
    }

    /**
     * Acquires a permit in a state that does not permit every call, one method per state. Returns the phase that
     * issued the permit, or null (or throws, when {@code throwing}) on rejection.
     */
    private Phase acquireSlow(Phase p, boolean throwing) {
        for (; ; p = phase) {
            if (finishSealed(p)) {
                continue;
            }
            Phase issued =
                    switch (p.state) {
                        case CLOSED, DISABLED -> p;
                        case FORCED_OPEN -> reject(p, Long.MAX_VALUE, throwing, counters.cell());
                        case OPEN -> acquireOpen(p, throwing);
                        case HALF_OPEN -> acquireHalfOpen(p, throwing);
                    };
            if (issued != AGAIN) {
                return issued;
            }
        }
    }

    /**
     * OPEN: rejects until the open duration has passed (on the sampled clock), then moves to half-open holding the
     * caller's trial permit, after claiming the trial in the store when persisted. Returns the permit's phase, null (or
     * throws) on rejection, or {@link #AGAIN}.
     */
    private Phase acquireOpen(Phase p, boolean throwing) {
        ClockSampler sampler = p.sampler;
        StripedCounters.Cell cell = counters.cell();
        long now;
        if (sampler.shouldSample(cell.rejectedHint())) {
            now = sampler.sample(time);
        } else {
            now = sampler.lastNanos();
        }
        long elapsed = now - p.enteredNanos;
        if (elapsed < p.openNanos) {
            return reject(p, p.openNanos - elapsed, throwing, cell);
        }
        if (sync != null && !sync.claimTrial()) {
            // Another JVM runs the trial, or the store holds a newer state the sync has just adopted.
            return phase != p ? AGAIN : reject(p, 0L, throwing, cell);
        }
        // The new phase is published holding this caller's trial permit, so moving to half-open and taking the first
        // permit are one atomic step.
        Phase next = halfOpen(p, now, true);
        if (transition(p, next)) {
            return next;
        }
        if (sync != null) {
            Phase moved = runClaimed(now); // another thread moved first
            if (moved != null) {
                return moved;
            }
        }
        return AGAIN;
    }

    /**
     * HALF_OPEN: issues up to {@code halfOpenPermits} trial permits (each claimed in the store when persisted); when
     * they are all out, rejects, and once every permit has been out for {@code maxWaitInHalfOpen} starts a new
     * half-open generation. Returns the permit's phase, null (or throws) on rejection, or {@link #AGAIN}.
     */
    private Phase acquireHalfOpen(Phase p, boolean throwing) {
        if (p.permitsInFlight() < halfOpenPermits) {
            long now = time.nanoTime();
            if (p.tryTakePermit(halfOpenPermits)) {
                if (sync != null && !sync.claimTrial()) {
                    p.releasePermit();
                    return phase != p ? AGAIN : reject(p, 0L, throwing, counters.cell());
                }
                if (sync != null && phase != p) {
                    // The sync worker installed a phase adopted from the store while this caller waited for its
                    // claim. An outcome recorded on the replaced phase would be ignored and the claim, renewed while
                    // the current phase is half-open, would hold the cluster's permit until maxWaitInHalfOpen.
                    p.releasePermit();
                    Phase moved = runClaimed(now);
                    return moved != null ? moved : AGAIN;
                }
                p.markAcquired(now);
                return p;
            }
        }
        if (p.sealedAs() != Phase.NOT_COUNTED) {
            return AGAIN; // decided to close or reopen: help commit it, then ask the new phase
        }
        ClockSampler sampler = p.sampler;
        StripedCounters.Cell cell = counters.cell();
        if (sampler.shouldSample(cell.rejectedHint())) {
            long now = sampler.sample(time);
            if (now - p.lastAcquireNanos >= maxWaitInHalfOpenNanos && (sync == null || sync.claimTrial())) {
                // Every permit has been out for maxWaitInHalfOpen: reclaim them all by starting a new half-open
                // generation. Same state, so no event; the stuck calls' outcomes are ignored.
                Phase next = halfOpen(p, now, true);
                if (PHASE.compareAndSet(this, p, next)) {
                    return next; // holding the first permit of the new generation
                }
                if (sync != null) {
                    sync.trialReleased();
                }
                return AGAIN;
            }
        }
        return reject(p, 0L, throwing, cell);
    }

    /**
     * Runs a trial permit the store granted for a phase that was replaced meanwhile in the current phase, if that is
     * half-open; otherwise gives it back to the store. The store's grant is the limit here, not the local count: the
     * permits in flight beyond it are other callers' speculative ones, each given back unless the store grants it too
     * (checking the local limit let such a caller make a granted permit lapse unused). Returns the phase holding the
     * permit, or null.
     */
    private Phase runClaimed(long now) {
        Phase moved = current();
        if (moved.state == CircuitState.HALF_OPEN && moved.tryTakePermit(Integer.MAX_VALUE)) {
            moved.markAcquired(now);
            return moved;
        }
        sync.trialReleased();
        return null;
    }

    /** A new half-open phase; with {@code takePermit}, its first trial permit is taken for the caller creating it. */
    private static Phase halfOpen(Phase from, long now, boolean takePermit) {
        Phase next = new Phase(
                CircuitState.HALF_OPEN,
                from.generation + 1,
                now,
                from.openNanos,
                from.reopens,
                from.window,
                Math.max(0, from.consecutiveFailures));
        if (takePermit) {
            next.takeFirstPermit();
        }
        return next;
    }

    private Phase reject(Phase p, long retryAfterNanos, boolean throwing, StripedCounters.Cell cell) {
        cell.addRejected();
        events.publish(Event.REJECTED, name, p.state, 0L);
        if (throwing) {
            throw new CallNotPermittedException(name, p.state, retryAfterNanos);
        }
        return null;
    }

    @Override
    public void releasePermission() {
        release(phase);
    }

    private void release(Phase p) {
        released.increment();
        if (p.state == CircuitState.HALF_OPEN && p.releasePermit() && sync != null) {
            sync.trialReleased();
        }
    }

    // ---------------------------------------------------------------- outcomes

    @Override
    public void onSuccess(long durationNanos) {
        recordSuccess(phase, durationNanos);
    }

    @Override
    public void onError(long durationNanos, Throwable error) {
        checkNotNull(error, "error");
        recordError(phase, durationNanos, error);
    }

    @Override
    public void onResult(long durationNanos, Object result) {
        recordResult(phase, durationNanos, result);
    }

    private void recordResult(Phase p, long durationNanos, Object result) {
        if (config.recordResult().test(result)) {
            recordFailure(p, durationNanos, null);
        } else {
            recordSuccess(p, durationNanos);
        }
    }

    private void recordError(Phase p, long durationNanos, Throwable error) {
        if (config.isIgnored(error)) {
            release(p);
        } else if (config.recordOn().test(error)) {
            recordFailure(p, durationNanos, error);
        } else {
            recordSuccess(p, durationNanos);
        }
    }

    private void recordSuccess(Phase p, long durationNanos) {
        long count = counters.addSuccess();
        ClockSampler stamp = successClock;
        if (stamp.shouldSample(count)) {
            stamp.sample(time);
        }
        if (p.permitsAll) {
            if (p.clearFailures() && sync != null) {
                sync.failuresCleared();
            }
            if (p.window != null) {
                recordInWindow(p, slowNanos > 0 && durationNanos >= slowNanos ? SlidingWindow.SLOW : 0);
            }
        } else if (p.state == CircuitState.HALF_OPEN) {
            int result = p.completeTrial(true, successThreshold);
            if (result != Phase.NOT_COUNTED) {
                p.clearFailures();
            }
            if (result == Phase.CLOSE) {
                finishSealed(p);
            } else if (result == Phase.COUNTED && sync != null) {
                sync.trialSucceeded();
            }
        }
        if (hearsOutcomes) {
            events.publishOutcome(Event.SUCCESS, name, null, durationNanos);
        }
    }

    private void recordFailure(Phase p, long durationNanos, Throwable error) {
        failures.increment();
        lastFailureNanos = time.nanoTime();
        hasFailure = true;
        successesAtLastFailure = counters.successes();
        if (p.permitsAll) {
            if (p.window != null) {
                p.addFailure(Integer.MAX_VALUE); // for the stats; the window decides
                int outcome =
                        SlidingWindow.FAILURE | (slowNanos > 0 && durationNanos >= slowNanos ? SlidingWindow.SLOW : 0);
                recordInWindow(p, outcome);
            } else if (p.state == CircuitState.CLOSED) {
                int count = p.addFailure(failureThreshold);
                if (count == Phase.TRIPPED) {
                    finishSealed(p);
                } else if (count > 0 && sync != null) {
                    sync.failureCounted();
                }
            } else {
                p.addFailure(Integer.MAX_VALUE); // DISABLED counts but never opens
            }
        } else if (p.state == CircuitState.HALF_OPEN && p.completeTrial(false, successThreshold) == Phase.REOPEN) {
            finishSealed(p);
        }
        if (hearsOutcomes) {
            events.publishOutcome(Event.ERROR, name, error, durationNanos);
        }
    }

    private void recordInWindow(Phase p, int outcome) {
        SlidingWindow window = p.window;
        long now = timeWindow ? time.nanoTime() : 0L;
        long position = window.record(now, outcome);
        if (p.state != CircuitState.CLOSED) {
            return; // DISABLED records for the stats but never opens
        }
        if (outcome == 0 && position > minimumCalls) {
            // In a count window, a fast success after the first minimumCalls recordings lowers or keeps both rates:
            // it cannot trip the breaker. (The recording at minimumCalls checks: every earlier failure was counted
            // before its own position was taken.) A time window returns 0 and checks after every recording.
            return;
        }
        long calls = window.calls(now);
        if (calls < minimumCalls) {
            return;
        }
        boolean tripped = SlidingWindow.rate(window.failures(now), calls, minimumCalls) >= config.failureRateThreshold()
                || (slowNanos > 0
                        && SlidingWindow.rate(window.slowCalls(now), calls, minimumCalls)
                                >= config.slowCallRateThreshold());
        if (tripped && p == phase) {
            open(p, timeWindow ? now : time.nanoTime(), baseOpenNanos, 0, Math.max(0, p.consecutiveFailures));
        }
    }

    private long grow(long openNanos) {
        if (openMultiplier <= 1.0) {
            return openNanos;
        }
        double next = openNanos * openMultiplier;
        return next >= maxOpenNanos ? maxOpenNanos : (long) next;
    }

    private void open(Phase from, long now, long openNanos, int reopens, int consecutiveFailures) {
        transition(
                from,
                new Phase(
                        CircuitState.OPEN,
                        from.generation + 1,
                        now,
                        openNanos,
                        reopens,
                        from.window,
                        consecutiveFailures));
    }

    // ---------------------------------------------------------------- transitions

    /** Commits {@code from → to} if {@code from} is still current, and publishes it. Returns whether it committed. */
    private boolean transition(Phase from, Phase to) {
        return transition(from, to, false);
    }

    private boolean transition(Phase from, Phase to, boolean manual) {
        if (!PHASE.compareAndSet(this, from, to)) {
            return false;
        }
        publish(from.state, to.state);
        if (sync != null) {
            sync.transitioned(synced(from.state), synced(to.state), manual);
        }
        return true;
    }

    private void publish(CircuitState from, CircuitState to) {
        if (from != to && events.hasListeners()) {
            events.publish(Event.TRANSITION, name, new StateTransition(name, from, to, time.instant()), 0L);
        }
    }

    /** What a breaker publishes, and which listener method each calls. */
    private enum Event implements BreakerEvents.Kind<CircuitBreakerListener> {
        TRANSITION("onStateTransition"),
        REJECTED("onCallNotPermitted"),
        SUCCESS("onSuccess"),
        ERROR("onError");

        private final String method;

        Event(String method) {
            this.method = method;
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public void deliver(CircuitBreakerListener listener, String breaker, Object subject, long nanos) {
            switch (this) {
                case TRANSITION -> listener.onStateTransition((StateTransition) subject);
                case REJECTED -> listener.onCallNotPermitted(breaker, (CircuitState) subject);
                case SUCCESS -> listener.onSuccess(breaker, nanos);
                case ERROR -> listener.onError(breaker, nanos, (Throwable) subject);
            }
        }
    }

    /** Moves to a fresh phase of {@code state} unless already there (or {@code evenIfSame}). */
    private void moveTo(CircuitState state, boolean evenIfSame) {
        for (; ; ) {
            Phase p = current();
            if (p.state == state && !evenIfSame) {
                return;
            }
            long now = time.nanoTime();
            SlidingWindow window = state.permitsAllCalls() ? newWindow(now) : p.window;
            int consecutive = state == CircuitState.CLOSED ? 0 : Math.max(0, p.consecutiveFailures);
            Phase next = new Phase(state, p.generation + 1, now, baseOpenNanos, 0, window, consecutive);
            if (transition(p, next, true)) {
                return;
            }
        }
    }

    @Override
    public void forceOpen() {
        moveTo(CircuitState.FORCED_OPEN, false);
    }

    @Override
    public void disable() {
        moveTo(CircuitState.DISABLED, false);
    }

    @Override
    public void transitionToClosed() {
        moveTo(CircuitState.CLOSED, false);
    }

    @Override
    public void reset() {
        moveTo(CircuitState.CLOSED, true);
        counters.reset();
        failures.reset();
        released.reset();
        successesAtLastFailure = 0;
        successClock.clear();
        hasFailure = false;
    }

    // ---------------------------------------------------------------- execute

    @Override
    public <T, X extends Exception> T execute(CheckedSupplier<T, X> action) throws X {
        checkNotNull(action, "action");
        Phase p = acquire(true); // throws if it rejects
        long start = startNanos();
        T result;
        try {
            result = action.get();
        } catch (Throwable failure) {
            completeExceptionally(p, start, failure);
            throw Exceptions.rethrow(failure);
        }
        try {
            recordResult(p, elapsedSince(start), result);
        } catch (VirtualMachineError fatal) {
            throw fatal; // a listener hit a limit after the success was committed
        } catch (RuntimeException | Error predicateFailure) {
            release(p); // the result predicate threw: never leak the permit
            throw predicateFailure;
        }
        return result;
    }

    @Override
    public <X extends Exception> void run(CheckedRunnable<X> action) throws X {
        checkNotNull(action, "action");
        Phase p = acquire(true); // throws if it rejects
        long start = startNanos();
        try {
            action.run();
        } catch (Throwable failure) {
            completeExceptionally(p, start, failure);
            throw Exceptions.rethrow(failure);
        }
        recordSuccess(p, elapsedSince(start));
    }

    private void completeExceptionally(Phase p, long start, Throwable failure) {
        if (failure instanceof VirtualMachineError) {
            release(p); // the JVM (or a sandbox's limit) stopped the call: that is no outcome of the action
            return;
        }
        try {
            recordError(p, elapsedSince(start), failure);
        } catch (VirtualMachineError fatal) {
            throw fatal; // a listener hit a limit after the outcome was committed: it ends the call, never suppressed
        } catch (RuntimeException | Error predicateFailure) {
            release(p); // the recordOn predicate threw: never leak the permit, and keep the call's own failure
            failure.addSuppressed(predicateFailure);
        }
    }

    /** The start of a call, on the clock its {@link #timing} uses; 0 when untimed. */
    private long startNanos() {
        int t = timing;
        return t == UNTIMED ? 0L : t == COARSE ? coarse.nanoTime() : time.nanoTime();
    }

    /** The duration of a call that started at {@code start}, never negative; 0 when untimed. */
    private long elapsedSince(long start) {
        int t = timing;
        if (t == UNTIMED) {
            return 0L;
        }
        return Math.max(0L, (t == COARSE ? coarse.nanoTime() : time.nanoTime()) - start);
    }

    // ---------------------------------------------------------------- stats

    @Override
    public CircuitStats stats() {
        Phase p = refreshed();
        long success = counters.successes();
        long failure = failures.sum();
        long requests = success + failure + released.sum();
        long nowNanos = time.nanoTime();
        Instant nowWall = time.instant();
        Instant lastSuccess = successClock.hasSample() && success > 0
                ? nowWall.minusNanos(Math.max(0L, nowNanos - successClock.lastNanos()))
                : null;
        Instant lastFailure = hasFailure ? nowWall.minusNanos(Math.max(0L, nowNanos - lastFailureNanos)) : null;
        double failureRate = -1.0;
        double slowRate = -1.0;
        SlidingWindow window = p.window;
        if (window != null) {
            long calls = window.calls(nowNanos);
            failureRate = SlidingWindow.rate(window.failures(nowNanos), calls, minimumCalls);
            if (slowNanos > 0) {
                slowRate = SlidingWindow.rate(window.slowCalls(nowNanos), calls, minimumCalls);
            }
        }
        return new CircuitStats(
                p.state,
                requests,
                success,
                failure,
                Math.max(0L, success - successesAtLastFailure),
                Math.max(0, p.consecutiveFailures),
                counters.rejected(),
                lastSuccess,
                lastFailure,
                failureRate,
                slowRate);
    }

    @Override
    public String toString() {
        return "CircuitBreaker[" + name + ", " + phase.state + "]";
    }

    // ---------------------------------------------------------------- persistence

    /** The persisted mirror of a state. */
    private static SyncedState synced(CircuitState state) {
        return switch (state) {
            case CLOSED -> SyncedState.CLOSED;
            case OPEN -> SyncedState.OPEN;
            case HALF_OPEN -> SyncedState.HALF_OPEN;
            case FORCED_OPEN -> SyncedState.FORCED_OPEN;
            case DISABLED -> SyncedState.DISABLED;
        };
    }

    /** What the registry's sync worker sees of this breaker; only the worker calls it. */
    private final class Handle implements BreakerHandle {
        @Override
        public String name() {
            return name;
        }

        @Override
        public BreakerSnapshot snapshot() {
            Phase p = current();
            long remaining = 0L;
            if (p.state == CircuitState.OPEN) {
                remaining = Math.max(0L, p.openNanos - (time.nanoTime() - p.enteredNanos));
            }
            return new BreakerSnapshot(
                    synced(p.state),
                    p.generation,
                    remaining,
                    p.openNanos,
                    p.reopens,
                    Math.max(0, p.consecutiveFailures));
        }

        @Override
        public boolean install(long expectedGeneration, BreakerSnapshot next, boolean publish) {
            Phase from = current();
            if (from.generation != expectedGeneration) {
                return false;
            }
            CircuitState state = CircuitState.valueOf(next.state().name());
            long now = time.nanoTime();
            long openNanos = next.openNanos() > 0 ? next.openNanos() : baseOpenNanos;
            // An open phase that began (openNanos - remaining) ago, so it ends when the stored open-until time comes.
            long entered = state == CircuitState.OPEN
                    ? now - Math.max(0L, openNanos - Math.min(openNanos, next.openRemainingNanos()))
                    : now;
            SlidingWindow window = state.permitsAllCalls() && from.state != state ? newWindow(now) : from.window;
            int failures = state == CircuitState.CLOSED
                    ? Math.min(next.failures(), Math.max(0, failureThreshold - 1))
                    : Math.max(0, next.failures());
            Phase to = new Phase(state, from.generation + 1, entered, openNanos, next.reopens(), window, failures);
            if (!PHASE.compareAndSet(StateMachineCircuitBreaker.this, from, to)) {
                return false;
            }
            if (publish) {
                publish(from.state, to.state);
            }
            return true;
        }

        @Override
        public void raiseFailures(long generation, int failures) {
            Phase p = current();
            if (p.generation == generation
                    && p.state == CircuitState.CLOSED
                    && p.window == null
                    && p.raiseFailures(failures, failureThreshold) == Phase.TRIPPED) {
                finishSealed(p);
            }
        }

        @Override
        public int failureThreshold() {
            return failureThreshold;
        }

        @Override
        public int successThreshold() {
            return successThreshold;
        }

        @Override
        public int halfOpenPermits() {
            return halfOpenPermits;
        }

        @Override
        public long maxWaitInHalfOpenNanos() {
            return maxWaitInHalfOpenNanos;
        }
    }
}
