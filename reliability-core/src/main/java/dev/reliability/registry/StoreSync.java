package dev.reliability.registry;

import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.internal.BreakerHandle;
import dev.reliability.internal.BreakerSnapshot;
import dev.reliability.internal.BreakerSync;
import dev.reliability.state.VersionedValue;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Persists one breaker through the registry's state store, as a {@link BreakerRecord} written by compare-and-set on
 * the store's version.
 *
 * <p>The record's generation tells a new state from an update of the same one: {@link #syncedGeneration} is the
 * generation the local phase agrees with. A record whose generation differs was written by another node (or before a
 * restart) and is adopted, as the policy allows; one with the same generation only updates counts.
 *
 * <p>Conflicts, when both sides changed (a write lost its compare-and-set, or the store was down): a newer remote
 * OPEN, FORCED_OPEN or DISABLED wins; otherwise a local OPEN wins over a remote CLOSED or HALF_OPEN; otherwise the
 * remote state is adopted, and two CLOSED states keep the higher failure count. Manual changes (forceOpen, disable,
 * transitionToClosed, reset) are written unconditionally: they are the newest intent (one made while the store is
 * down is reconciled by the rules above).
 *
 * <p>Operations of one breaker are serialized by a JVM lock, held only around store round trips, never while user
 * code runs; a refresh that finds the lock taken is skipped. Every store failure is absorbed: the breaker keeps its
 * local state, marks itself dirty and reconciles on a later refresh.
 */
final class StoreSync implements BreakerSync, CircuitBreakerListener {
    private static final VarHandle NEXT_SYNC;

    static {
        try {
            NEXT_SYNC = MethodHandles.lookup().findVarHandle(StoreSync.class, "nextSyncNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Compare-and-set attempts before a write gives up and leaves the breaker dirty. */
    private static final int MAX_ATTEMPTS = 16;

    private final StoreLink link;
    private final String name;
    private final String key;
    private final ReentrantLock lock = new ReentrantLock();

    private BreakerHandle handle;
    // Guarded by lock.
    private long syncedGeneration;
    private long version;
    private boolean dirty;
    private volatile BreakerRecord known;
    private volatile long nextSyncNanos;
    private volatile long probesDeniedUntilNanos;
    // Guarded by lock: what to tell the breaker once the lock is released, so no listener runs under it.
    private Object publishFrom;
    private Object publishTo;
    private Object raisePhase;
    private int raiseTo;

    StoreSync(StoreLink link, String name) {
        this.link = link;
        this.name = name;
        this.key = BreakerRecord.KEY_PREFIX + name;
    }

    /** A record read from the store: its version (0 if absent) and the record (null if absent or malformed). */
    private record Current(long version, BreakerRecord record) {}

    // ---------------------------------------------------------------- store round trips

    private Current read() {
        Optional<VersionedValue> v = link.call(name, () -> link.store.getVersioned(key));
        if (v.isEmpty()) {
            return new Current(0L, null);
        }
        VersionedValue versioned = v.get();
        return new Current(
                versioned.version(), BreakerRecord.decode(versioned.value()).orElse(null));
    }

    private boolean cas(Current c, BreakerRecord next) {
        boolean written = link.call(name, () -> link.store.compareAndSetVersion(key, c.version, next.encode()));
        if (written) {
            version = c.version + 1;
            syncedGeneration = next.generation();
            known = next;
        }
        return written;
    }

    // ---------------------------------------------------------------- conversions

    private static long generationOf(BreakerRecord r) {
        return r == null ? 0L : r.generation();
    }

    private BreakerRecord fromLocal(BreakerSnapshot s, long generation, BreakerRecord base) {
        long wall = link.wallMillis();
        long openUntil = s.state().equals(BreakerSnapshot.OPEN) ? wall + ceilMillis(s.openRemainingNanos()) : 0L;
        Map<String, Long> reports = base == null ? Map.of() : base.reports();
        if (s.state().equals(BreakerSnapshot.CLOSED)) {
            reports = Map.of();
        }
        return new BreakerRecord(
                s.state(),
                generation,
                openUntil,
                ceilMillis(s.openNanos()),
                s.reopens(),
                s.failures(),
                0,
                0,
                wall,
                link.node,
                reports);
    }

    private BreakerSnapshot toLocal(BreakerRecord r) {
        long remaining = r.state().equals(BreakerSnapshot.OPEN)
                ? Math.max(0L, r.openUntilMs() - link.wallMillis()) * 1_000_000L
                : 0L;
        int failures = r.state().equals(BreakerSnapshot.CLOSED) ? r.failures() : 0;
        return new BreakerSnapshot(r.state(), remaining, r.openMs() * 1_000_000L, r.reopens(), failures);
    }

    private static long ceilMillis(long nanos) {
        return (nanos + 999_999L) / 1_000_000L;
    }

    /** The record of a breaker nothing was stored for: closed, generation 0. */
    private BreakerRecord initialRecord() {
        return closedRecord(0L);
    }

    private BreakerRecord closedRecord(long generation) {
        return new BreakerRecord(
                BreakerSnapshot.CLOSED, generation, 0L, 0L, 0, 0, 0, 0, link.wallMillis(), link.node, Map.of());
    }

    private BreakerSnapshot local() {
        return handle.snapshot(handle.current());
    }

    private boolean quorum() {
        return link.policy.quorum() > 1;
    }

    private boolean adopts() {
        return link.policy.adoptsRemoteState();
    }

    /** Installs the record's state locally, publishing the change; returns once installed or found current. */
    private void adopt(BreakerRecord r) {
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            Object current = handle.current();
            Object installed = handle.install(current, toLocal(r), false);
            if (installed != null) {
                if (publishFrom == null) {
                    publishFrom = current;
                }
                publishTo = installed;
                break;
            }
        }
        syncedGeneration = r.generation();
        known = r;
    }

    /** Raises a closed phase's failures after the lock is released: opening runs the breaker's listeners. */
    private void raiseLater(Object phase, int failures) {
        raisePhase = phase;
        raiseTo = failures;
    }

    /** Releases the lock, then publishes adopted changes and applies raised counts, outside it. */
    private void release() {
        Object from = publishFrom;
        Object to = publishTo;
        Object raise = raisePhase;
        int count = raiseTo;
        publishFrom = null;
        publishTo = null;
        raisePhase = null;
        lock.unlock();
        if (from != null) {
            handle.publish(from, to);
        }
        if (raise != null) {
            handle.raiseFailures(raise, count);
        }
    }

    // ---------------------------------------------------------------- BreakerSync

    @Override
    public void attach(BreakerHandle breaker) {
        this.handle = breaker;
        lock.lock();
        try {
            Current c = read();
            version = c.version;
            BreakerRecord r = c.record;
            if (r != null) {
                syncedGeneration = r.generation();
                known = r;
                if (!(quorum() && r.state().equals(BreakerSnapshot.CLOSED))) {
                    handle.install(handle.current(), toLocal(r), false); // a restore, not a transition
                }
            }
        } catch (StoreLink.Unavailable down) {
            dirty = true;
        } finally {
            release();
        }
        nextSyncNanos = link.time.nanoTime() + link.syncNanos;
    }

    @Override
    public void transitioned(Object from, Object to, boolean manual) {
        BreakerSnapshot before = handle.snapshot(from);
        BreakerSnapshot after = handle.snapshot(to);
        if (!manual && after.state().equals(BreakerSnapshot.HALF_OPEN)) {
            return; // a claimed trial permit has written HALF_OPEN already; a move by time alone writes nothing
        }
        lock.lock();
        try {
            for (int i = 0; i < MAX_ATTEMPTS; i++) {
                if (writeTransition(before, manual)) {
                    return;
                }
            }
            dirty = true;
        } catch (StoreLink.Unavailable down) {
            dirty = true;
        } finally {
            release();
        }
    }

    /** One attempt to write a local transition; true when done (written, adopted or nothing to do). */
    private boolean writeTransition(BreakerSnapshot before, boolean manual) {
        Current c = read();
        if (c.record == null && quorum() && !manual) {
            c = new Current(c.version, initialRecord()); // nothing stored yet: the cluster is closed
        }
        BreakerRecord r = c.record;
        BreakerSnapshot now = local();
        if (manual || r == null || !adopts()) {
            return cas(c, fromLocal(now, generationOf(r) + 1, r));
        }
        boolean remoteChanged = r.generation() != syncedGeneration;
        if (remoteChanged && remoteWins(r)) {
            adopt(r);
            return true;
        }
        if (quorum() && r.state().equals(BreakerSnapshot.CLOSED) && !remoteChanged) {
            return report(c, now);
        }
        if (now.state().equals(BreakerSnapshot.CLOSED)
                && before.state().equals(BreakerSnapshot.HALF_OPEN)
                && r.state().equals(BreakerSnapshot.CLOSED)
                && remoteChanged) {
            syncedGeneration = r.generation(); // another node's trial closed it too
            known = r;
            return true;
        }
        if (now.state().equals(BreakerSnapshot.HALF_OPEN)) {
            return true;
        }
        if (now.state().equals(BreakerSnapshot.CLOSED)) {
            return cas(c, closedRecord(r.generation() + 1));
        }
        return cas(c, fromLocal(now, r.generation() + 1, r));
    }

    private static boolean remoteWins(BreakerRecord r) {
        String s = r.state();
        return s.equals(BreakerSnapshot.OPEN)
                || s.equals(BreakerSnapshot.FORCED_OPEN)
                || s.equals(BreakerSnapshot.DISABLED);
    }

    /**
     * QUORUM, while the cluster is closed: records this node as open (until its open duration ends) or not, and opens
     * the breaker everywhere when enough nodes are open at once.
     */
    private boolean report(Current c, BreakerSnapshot now) {
        BreakerRecord r = c.record;
        long wall = link.wallMillis();
        boolean open = now.state().equals(BreakerSnapshot.OPEN);
        if (now.state().equals(BreakerSnapshot.HALF_OPEN)) {
            return true;
        }
        long until = open ? wall + ceilMillis(now.openRemainingNanos()) : 0L;
        Map<String, Long> reports = r.reportsWith(link.node, until, wall);
        BreakerRecord next = r.withReports(reports, link.node);
        if (open && next.liveReports(wall) >= link.policy.quorum()) {
            next = fromLocal(now, r.generation() + 1, next);
        }
        return cas(c, next);
    }

    @Override
    public void failureCounted(Object phase, int failures) {
        if (quorum()) {
            return; // counts are each node's own under a quorum
        }
        lock.lock();
        try {
            for (int i = 0; i < MAX_ATTEMPTS; i++) {
                Current c = read();
                BreakerRecord r = c.record;
                if (!adopts()) {
                    BreakerSnapshot now = local();
                    BreakerRecord next = (r == null ? initialRecord() : r).withFailures(now.failures(), link.node);
                    if (cas(c, next)) {
                        return;
                    }
                    continue;
                }
                if (r != null && r.generation() != syncedGeneration) {
                    if (r.state().equals(BreakerSnapshot.CLOSED)) {
                        syncedGeneration = r.generation(); // closed elsewhere too (or reset): count on top of it
                        known = r;
                        continue;
                    }
                    adopt(r);
                    return;
                }
                if (r != null && !r.state().equals(BreakerSnapshot.CLOSED)) {
                    dirty = true; // our own close was never written; reconcile on the next refresh
                    return;
                }
                int count = Math.max(failures, (r == null ? 0 : r.failures()) + 1);
                if (count >= handle.failureThreshold()) {
                    raiseLater(phase, count); // opens, and the transition writes OPEN
                    return;
                }
                BreakerRecord next = (r == null ? initialRecord() : r).withFailures(count, link.node);
                if (cas(c, next)) {
                    raiseLater(phase, count);
                    return;
                }
            }
            dirty = true;
        } catch (StoreLink.Unavailable down) {
            dirty = true;
        } finally {
            release();
        }
    }

    @Override
    public void failuresCleared(Object phase) {
        if (quorum()) {
            return;
        }
        lock.lock();
        try {
            for (int i = 0; i < MAX_ATTEMPTS; i++) {
                Current c = read();
                BreakerRecord r = c.record;
                if (r == null
                        || !r.state().equals(BreakerSnapshot.CLOSED)
                        || r.failures() == 0
                        || (adopts() && r.generation() != syncedGeneration)) {
                    return;
                }
                if (cas(c, r.withFailures(0, link.node))) {
                    return;
                }
            }
            dirty = true;
        } catch (StoreLink.Unavailable down) {
            dirty = true;
        } finally {
            release();
        }
    }

    @Override
    public boolean tryClaimProbe(Object phase, long nowNanos) {
        if (!adopts() || link.isDown()) {
            return true; // uncoordinated: LOCAL_ONLY, or the store is down and the breaker runs on local state
        }
        if (nowNanos - probesDeniedUntilNanos < 0) {
            return false; // every trial permit is out on other nodes: ask the store again after the sync interval
        }
        BreakerRecord k = known;
        if (quorum() && k != null && k.state().equals(BreakerSnapshot.CLOSED) && k.generation() == syncedGeneration) {
            return true; // this node's own open under a quorum: its trials are its own
        }
        lock.lock();
        try {
            for (int i = 0; i < MAX_ATTEMPTS; i++) {
                Boolean claimed = claimOnce();
                if (claimed != null) {
                    return claimed;
                }
            }
            return false;
        } catch (StoreLink.Unavailable down) {
            return true;
        } finally {
            release();
        }
    }

    /** One attempt to claim a trial permit: true or false when decided, null to try again. */
    private Boolean claimOnce() {
        Current c = read();
        BreakerRecord r = c.record;
        if (r == null) {
            return true; // nothing stored: a local decision
        }
        boolean remoteChanged = r.generation() != syncedGeneration;
        long wall = link.wallMillis();
        switch (r.state()) {
            case BreakerSnapshot.OPEN:
                if (remoteChanged && r.openUntilMs() > wall) {
                    adopt(r);
                    return false;
                }
                return cas(
                                c,
                                r.withState(BreakerSnapshot.HALF_OPEN, r.generation() + 1)
                                        .withProbes(1, 0, wall, link.node))
                        ? Boolean.TRUE
                        : null;
            case BreakerSnapshot.HALF_OPEN:
                if (r.probes() < handle.halfOpenPermits()) {
                    return cas(c, r.withProbes(r.probes() + 1, r.successes(), wall, link.node)) ? Boolean.TRUE : null;
                }
                if ((wall - r.sinceMs()) * 1_000_000L >= handle.maxWaitInHalfOpenNanos()) {
                    // Every permit has been out for maxWaitInHalfOpen (its node may be gone): a new generation.
                    BreakerRecord next = r.withState(BreakerSnapshot.HALF_OPEN, r.generation() + 1)
                            .withProbes(1, 0, wall, link.node);
                    return cas(c, next) ? Boolean.TRUE : null;
                }
                if (remoteChanged) {
                    adopt(r);
                }
                probesDeniedUntilNanos = link.time.nanoTime() + link.syncNanos;
                return false;
            default:
                if (remoteChanged) {
                    adopt(r);
                    return false;
                }
                return !r.state().equals(BreakerSnapshot.FORCED_OPEN);
        }
    }

    @Override
    public void probeReleased(Object phase) {
        if (!adopts()) {
            return;
        }
        lock.lock();
        try {
            for (int i = 0; i < MAX_ATTEMPTS; i++) {
                Current c = read();
                BreakerRecord r = c.record;
                if (r == null
                        || !r.state().equals(BreakerSnapshot.HALF_OPEN)
                        || r.generation() != syncedGeneration
                        || r.probes() <= r.successes()) {
                    return; // nothing of ours to give back
                }
                if (cas(c, r.withProbes(r.probes() - 1, r.successes(), r.sinceMs(), link.node))) {
                    probesDeniedUntilNanos = 0L;
                    return;
                }
            }
        } catch (StoreLink.Unavailable down) {
            dirty = true;
        } finally {
            release();
        }
    }

    @Override
    public void trialSucceeded(Object phase) {
        if (!adopts()) {
            return;
        }
        lock.lock();
        try {
            for (int i = 0; i < MAX_ATTEMPTS; i++) {
                Current c = read();
                BreakerRecord r = c.record;
                if (r == null || !r.state().equals(BreakerSnapshot.HALF_OPEN)) {
                    if (r != null && r.generation() != syncedGeneration) {
                        adopt(r);
                    }
                    return;
                }
                if (r.generation() != syncedGeneration) {
                    return; // another generation's trials: ours no longer count
                }
                int successes = r.successes() + 1;
                if (successes >= handle.successThreshold()) {
                    BreakerRecord closed = closedRecord(r.generation() + 1);
                    if (cas(c, closed)) {
                        adopt(closed);
                        return;
                    }
                } else if (cas(c, r.withProbes(r.probes(), successes, r.sinceMs(), link.node))) {
                    return;
                }
            }
        } catch (StoreLink.Unavailable down) {
            dirty = true;
        } finally {
            release();
        }
    }

    @Override
    public boolean refreshIfDue(long nowNanos) {
        long next = nextSyncNanos;
        if (nowNanos - next < 0 || !NEXT_SYNC.compareAndSet(this, next, nowNanos + link.syncNanos)) {
            return false;
        }
        return refreshNow();
    }

    /** Reads the record and adopts or reconciles; skipped if another thread is syncing this breaker. */
    boolean refreshNow() {
        if (handle == null || !lock.tryLock()) {
            return false;
        }
        try {
            if (adopts() || dirty) {
                refresh();
            }
            return true;
        } catch (StoreLink.Unavailable down) {
            return false;
        } finally {
            release();
        }
    }

    private void refresh() {
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            Current c = read();
            BreakerRecord r = c.record;
            if (dirty) {
                if (reconcile(c)) {
                    dirty = false;
                    return;
                }
                continue;
            }
            if (r == null || c.version == version) {
                return;
            }
            version = c.version;
            known = r;
            if (r.generation() != syncedGeneration) {
                adopt(r);
            } else if (!quorum() && r.state().equals(BreakerSnapshot.CLOSED)) {
                mergeFailures(r);
            }
            return;
        }
    }

    /** Closed on both sides in the same generation: take the failures other nodes counted. */
    private void mergeFailures(BreakerRecord r) {
        Object current = handle.current();
        BreakerSnapshot s = handle.snapshot(current);
        if (!s.state().equals(BreakerSnapshot.CLOSED)) {
            return;
        }
        if (r.failures() > s.failures()) {
            raiseLater(current, r.failures());
        } else if (r.failures() == 0 && s.failures() > 0) {
            handle.install(current, toLocal(r), false); // a success elsewhere ended the run of failures
        }
    }

    /** Writes or adopts after local changes the store missed; true when done. */
    private boolean reconcile(Current c) {
        BreakerRecord r = c.record;
        BreakerSnapshot now = local();
        if (r == null && quorum()) {
            r = initialRecord();
            c = new Current(c.version, r);
        }
        if (r == null || !adopts()) {
            return cas(c, fromLocal(now, generationOf(r) + (now.state().equals(BreakerSnapshot.CLOSED) ? 0 : 1), r));
        }
        boolean remoteChanged = r.generation() != syncedGeneration;
        if (!remoteChanged) {
            if (quorum() && r.state().equals(BreakerSnapshot.CLOSED)) {
                return report(c, now);
            }
            if (now.state().equals(r.state()) && !now.state().equals(BreakerSnapshot.CLOSED)) {
                return true;
            }
            return cas(c, fromLocal(now, r.generation() + (now.state().equals(r.state()) ? 0 : 1), r));
        }
        if (remoteWins(r)) {
            adopt(r);
            return true;
        }
        if (now.rejects()) {
            return cas(c, fromLocal(now, r.generation() + 1, r));
        }
        if (now.state().equals(BreakerSnapshot.CLOSED) && r.state().equals(BreakerSnapshot.CLOSED)) {
            if (now.failures() > r.failures()) {
                BreakerRecord merged = r.withFailures(now.failures(), link.node);
                if (!cas(c, merged)) {
                    return false;
                }
                syncedGeneration = r.generation();
                return true;
            }
            syncedGeneration = r.generation();
            known = r;
            mergeFailures(r);
            return true;
        }
        adopt(r);
        return true;
    }

    // ---------------------------------------------------------------- for tests

    /** Whether local changes wait to be written. */
    boolean dirty() {
        lock.lock();
        try {
            return dirty;
        } finally {
            release();
        }
    }
}
