package dev.reliability.registry;

import static dev.reliability.internal.SyncedState.CLOSED;
import static dev.reliability.internal.SyncedState.HALF_OPEN;

import dev.reliability.internal.BreakerHandle;
import dev.reliability.internal.BreakerSnapshot;
import dev.reliability.internal.BreakerSync;
import dev.reliability.internal.SyncedState;
import dev.reliability.registry.SyncRules.Adopt;
import dev.reliability.registry.SyncRules.Claim;
import dev.reliability.registry.SyncRules.Decision;
import dev.reliability.registry.SyncRules.Denied;
import dev.reliability.registry.SyncRules.Granted;
import dev.reliability.registry.SyncRules.Local;
import dev.reliability.registry.SyncRules.Write;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Persists one breaker through its registry's {@link SyncWorker}, as a {@link BreakerRecord} written by compare-and-set
 * on the store's version.
 *
 * <p>The breaker's callers only queue work here: a few counters under this object's monitor, held for nanoseconds and
 * never during store I/O, then {@link SyncWorker#enqueue}. The worker runs {@link #sync}, the one loop that reads (or
 * takes the record from the worker's batched read), asks {@link SyncRules#decide} and writes or adopts. The two bounded
 * waits the design allows are {@link #attach} (the stored state at creation) and {@link #claimTrial}.
 *
 * <p>Worker passes over one breaker are serialized by {@link #lock}, which no caller of the breaker ever takes.
 */
final class BreakerLink implements BreakerSync {
    /** Compare-and-set attempts in one pass before the work is left for the next one. */
    private static final int MAX_ATTEMPTS = 16;

    final String name;
    final String key;
    /** Whether this link waits in the worker's flush queue. */
    final AtomicBoolean queued = new AtomicBoolean();

    private final SyncWorker worker;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean claiming = new AtomicBoolean();
    private volatile BreakerHandle handle;
    private volatile boolean abandoned;

    // Written by the worker under lock; read by callers deciding a claim without I/O.
    private volatile long syncedGeneration;
    private volatile BreakerRecord known;
    private long version = -1L;
    /** The record at {@link #version}, as last read or written; what a flush writes on where the store pushes. */
    private volatile SyncWorker.Read lastRead;

    private volatile boolean denied;
    private volatile long deniedUntilNanos;

    // Queued work, guarded by this object's monitor.
    private int transitions;
    private int manuals;
    private int failures;
    private boolean cleared;
    private int clearEpoch;
    private int trialSuccesses;
    private int trialsReleased;
    private boolean dirty;
    /** Trials this node runs under its lease in the synced half-open generation; renewed while above zero. */
    private int held;

    BreakerLink(SyncWorker worker, String name) {
        this.worker = worker;
        this.name = name;
        this.key = BreakerRecord.KEY_PREFIX + name;
    }

    /** A snapshot of the queued work, to be consumed once written. */
    private record Work(
            int transitions,
            int manuals,
            int failures,
            boolean cleared,
            int clearEpoch,
            int trialSuccesses,
            int trialsReleased,
            boolean dirty) {}

    private synchronized Work work() {
        return new Work(transitions, manuals, failures, cleared, clearEpoch, trialSuccesses, trialsReleased, dirty);
    }

    private synchronized void consume(Work w) {
        transitions -= w.transitions;
        manuals -= w.manuals;
        if (clearEpoch == w.clearEpoch) {
            failures -= w.failures;
            cleared = false;
        } // else a success cleared the count since: the failures it dropped included these
        trialSuccesses -= w.trialSuccesses;
        trialsReleased -= w.trialsReleased;
        if (w.dirty) {
            dirty = false;
        }
    }

    private synchronized void markDirty() {
        dirty = true;
    }

    /**
     * The store failed before this breaker's queued work was written: it is reconciled on a later pass. Returns
     * whether there is such work; a breaker with none just waits for the next refresh.
     */
    synchronized boolean markDirtyIfPending() {
        if (transitions > 0 || failures > 0 || cleared || trialSuccesses > 0 || trialsReleased > 0) {
            dirty = true;
        }
        return dirty;
    }

    /**
     * This node's failures that the record does not hold: those queued, less {@code decided}'s (counted into the record
     * being adopted, though not yet consumed). None after an outage, whose reconciliation keeps the higher of the two
     * counts rather than their sum, nor once a success has cleared the count since.
     */
    private synchronized int unmerged(Work decided) {
        if (decided == null) {
            return dirty || cleared ? 0 : failures;
        }
        if (decided.dirty || clearEpoch != decided.clearEpoch) {
            return 0;
        }
        return failures - decided.failures;
    }

    /** Whether a transition waits to be written, such as the OPEN an adopted count just caused. */
    private synchronized boolean transitionQueued() {
        return transitions > 0;
    }

    /** Remembers the record at a version: the one read, or the one this node wrote. */
    private void saw(SyncWorker.Read r) {
        version = r.version();
        lastRead = r;
    }

    /** The record as last read or written, or null before the first read; for a flush that writes on it. */
    SyncWorker.Read lastRead() {
        return lastRead;
    }

    private synchronized int held() {
        return held;
    }

    /** Whether local changes wait to be written after a store failure, so the last flush on close includes them. */
    synchronized boolean dirty() {
        return dirty;
    }

    // ---------------------------------------------------------------- BreakerSync: the breaker's callers

    @Override
    public void attach(BreakerHandle breaker) {
        this.handle = breaker;
        Boolean restored = worker.await(name, this::restore);
        if (restored == null) {
            abandoned = true; // decide locally; the worker reconciles when the store answers
            markDirty();
        }
    }

    @Override
    public void transitioned(SyncedState from, SyncedState to, boolean manual) {
        if (!manual && to == HALF_OPEN) {
            return; // the trial claim has written HALF_OPEN already; a move by time alone writes nothing
        }
        synchronized (this) {
            held = 0; // a move out of half-open ends this node's trials
            transitions++;
            if (manual) {
                manuals++;
            }
        }
        worker.enqueue(this);
    }

    @Override
    public void failureCounted() {
        if (worker.quorum() > 1) {
            return; // counts are each node's own under a quorum
        }
        synchronized (this) {
            failures++;
        }
        worker.enqueue(this);
    }

    @Override
    public void failuresCleared() {
        if (worker.quorum() > 1) {
            return;
        }
        synchronized (this) {
            failures = 0;
            cleared = true;
            clearEpoch++;
        }
        worker.enqueue(this);
    }

    @Override
    public void trialSucceeded() {
        if (worker.quorum() == 0) {
            return;
        }
        synchronized (this) {
            trialSuccesses++;
            held = Math.max(0, held - 1);
        }
        worker.enqueue(this);
    }

    @Override
    public void trialReleased() {
        if (worker.quorum() == 0) {
            return;
        }
        synchronized (this) {
            trialsReleased++;
            held = Math.max(0, held - 1);
        }
        worker.enqueue(this);
    }

    @Override
    public boolean claimTrial() {
        if (worker.quorum() == 0) {
            return true; // uncoordinated: LOCAL_ONLY
        }
        BreakerRecord k = known;
        if (worker.quorum() > 1 && k != null && k.state() == CLOSED && k.generation() == syncedGeneration) {
            return true; // this node's own open under a quorum: its trials are its own
        }
        if (worker.isDown()) {
            return decidesTrialsLocally(); // an outage: local state, one node deciding trials
        }
        if (denied && worker.time.nanoTime() - deniedUntilNanos < 0) {
            return false; // every trial permit is out on other nodes: ask again after the next refresh
        }
        if (!claiming.compareAndSet(false, true)) {
            return false; // another caller's claim is being decided: reject until it is
        }
        AtomicBoolean waiting = new AtomicBoolean(true); // the caller waits for this claim's answer
        Boolean granted = worker.await(name, () -> {
            try {
                return waiting.get() && claim(waiting);
            } finally {
                claiming.set(false);
            }
        });
        if (granted == null && !waiting.compareAndSet(true, false)) {
            return true; // granted just after the deadline: the permit is this caller's after all
        }
        // No answer in time starts an outage; its first lease decides nothing locally (see decidesTrialsLocally).
        return granted != null ? granted : decidesTrialsLocally();
    }

    private boolean decidesTrialsLocally() {
        BreakerRecord k = known;
        return worker.decidesTrialsLocally(k == null || k.node().equals(worker.node), handle.maxWaitInHalfOpenNanos());
    }

    // ---------------------------------------------------------------- the worker

    /** Reads the stored state into a breaker under construction. */
    private boolean restore() {
        lock.lock();
        try {
            SyncWorker.Read c = worker.read(name, key);
            if (abandoned) {
                return false; // its creator stopped waiting and decided locally: the next pass reconciles
            }
            saw(c);
            BreakerRecord r = c.record();
            if (r != null) {
                syncedGeneration = r.generation();
                known = r;
                if (!(worker.quorum() > 1 && r.state() == CLOSED)) {
                    BreakerSnapshot s = handle.snapshot();
                    handle.install(s.generation(), SyncRules.toLocal(r, worker.wallMillis()), false); // not an event
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Claims a trial permit in the record; the caller that asked waits for this, at most the store timeout. A grant is
     * handed over by clearing {@code waiting}; if the caller stopped waiting first, the grant is nobody's and is not
     * renewed, so its lease lapses and the others reclaim the permit (a renewed orphan would hold it for {@code
     * maxWaitInHalfOpen}).
     */
    private boolean claim(AtomicBoolean waiting) {
        lock.lock();
        try {
            for (int i = 0; i < MAX_ATTEMPTS; i++) {
                BreakerSnapshot basis = handle.snapshot();
                SyncWorker.Read c = worker.read(name, key);
                Claim decision = SyncRules.claim(c.record(), syncedGeneration, context());
                if (decision instanceof Granted granted) {
                    BreakerRecord write = granted.write();
                    if (write == null) {
                        return waiting.compareAndSet(true, false);
                    }
                    if (worker.cas(name, key, c.version(), write)) {
                        written(c.version(), write);
                        denied = false;
                        if (!waiting.compareAndSet(true, false)) {
                            return false; // its caller timed out and decided locally
                        }
                        synchronized (this) {
                            held++; // under the lease the write holds: renewed by sync until the trial ends
                        }
                        return true;
                    }
                    continue;
                }
                BreakerRecord adopt = ((Denied) decision).adopt();
                if (adopt != null) {
                    if (!adopt(adopt, basis, unmerged(null))) {
                        continue; // another caller moved the phase meanwhile: read and decide again
                    }
                    saw(c);
                }
                deniedUntilNanos = worker.time.nanoTime() + worker.syncNanos;
                denied = true;
                return false;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The sync loop: reads the record (or takes {@code first}, the worker's batched read), decides, writes by
     * compare-and-set or adopts, and re-reads after a lost compare-and-set. Throws {@link SyncWorker.Unavailable} when
     * the store fails; the queued work is then kept and reconciled on a later pass.
     */
    void sync(SyncWorker.Read first) {
        BreakerHandle h = handle;
        if (h == null) {
            return;
        }
        lock.lock();
        try {
            SyncWorker.Read c = first;
            for (int i = 0; i < MAX_ATTEMPTS; i++) {
                if (c == null) {
                    c = worker.read(name, key);
                }
                Work w = work();
                boolean pending = w.transitions > 0
                        || w.dirty
                        || w.failures > 0
                        || w.cleared
                        || w.trialSuccesses > 0
                        || w.trialsReleased > 0;
                if (c.version() == version && !pending) {
                    if (!leaseRenewed(c)) {
                        c = null;
                        continue;
                    }
                    return; // nothing changed on either side
                }
                if (c.version() != version) {
                    denied = false; // the record moved: a trial may be free again
                }
                Local local = new Local(
                        h.snapshot(),
                        syncedGeneration,
                        w.transitions > 0,
                        w.manuals > 0,
                        w.failures,
                        w.cleared,
                        w.trialSuccesses,
                        w.trialsReleased,
                        w.dirty);
                if (worker.quorum() == 0 && !pending) {
                    saw(c);
                    return; // LOCAL_ONLY adopts nothing
                }
                Decision decision = SyncRules.decide(c.record(), local, context());
                if (decision instanceof Write write) {
                    if (!worker.cas(name, key, c.version(), write.next())) {
                        c = null;
                        continue;
                    }
                    written(c.version(), write.next());
                    consume(w);
                    if (w.trialsReleased > 0) {
                        denied = false; // a permit given back may be claimed again, here too
                    }
                    if (write.adoptAfter()) {
                        // If a caller moved on meanwhile, its transition is queued. The count adopted may open the
                        // breaker here: that OPEN is written in this pass, not a flush delay later.
                        adopt(write.next(), local.now(), unmerged(null));
                        if (transitionQueued()) {
                            c = lastRead;
                            continue;
                        }
                    }
                    return;
                }
                if (decision instanceof Adopt adopt && !adopt(adopt.record(), local.now(), unmerged(w))) {
                    continue; // a caller moved the phase since the decision: decide again on the same record
                }
                if (c.record() != null && c.record().generation() == syncedGeneration) {
                    known = c.record(); // the last writer, for an outage's trials (same generation: nothing to adopt)
                }
                saw(c);
                consume(w);
                if (transitionQueued()) {
                    continue; // the count adopted opened the breaker: write the OPEN on the same record, now
                }
                if (!leaseRenewed(c)) {
                    c = null;
                    continue;
                }
                return;
            }
            markDirty(); // kept losing the compare-and-set: the next pass tries again
            worker.enqueue(this);
        } catch (SyncWorker.Unavailable down) {
            markDirty();
            throw down;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Renews this node's trial lease when it is due ({@link SyncRules#renewal}); false when the compare-and-set was lost
     * and the record must be read again.
     */
    private boolean leaseRenewed(SyncWorker.Read c) {
        // A breaker no longer half-open runs no trial, whatever a late claim counted: its lease must lapse.
        int trials = handle.snapshot().state() == HALF_OPEN ? held() : 0;
        Decision renewal = SyncRules.renewal(c.record(), syncedGeneration, trials, context());
        if (!(renewal instanceof Write write)) {
            return true;
        }
        BreakerRecord next = write.next();
        if (!worker.cas(name, key, c.version(), next)) {
            return false;
        }
        written(c.version(), next);
        return true;
    }

    private void written(long expectedVersion, BreakerRecord next) {
        if (next.generation() != syncedGeneration) {
            dropTrials();
        }
        saw(new SyncWorker.Read(expectedVersion + 1, next)); // a compare-and-set always bumps the version by one
        syncedGeneration = next.generation();
        known = next;
    }

    /**
     * Makes the local breaker agree with {@code r}, publishing a state change to its listeners, if its phase is still
     * {@code basis}, the one the decision to adopt was made on. Returns false, changing nothing, if a caller moved the
     * phase since (it opened, or its trial reopened it): installing over that newer phase would undo a transition
     * nobody has written yet, so the caller decides again.
     */
    private boolean adopt(BreakerRecord r, BreakerSnapshot basis, int unmerged) {
        BreakerHandle h = handle;
        BreakerSnapshot s = h.snapshot();
        if (s.generation() != basis.generation()) {
            return false;
        }
        if (s.state() == CLOSED && r.state() == CLOSED) {
            if (worker.quorum() == 1) {
                mergeFailures(h, s, r, unmerged);
            }
        } else if (s.state() != r.state() || r.generation() != syncedGeneration) {
            if (!h.install(s.generation(), SyncRules.toLocal(r, worker.wallMillis()), true)) {
                return false;
            }
        }
        if (r.generation() != syncedGeneration) {
            dropTrials();
        }
        syncedGeneration = r.generation();
        known = r;
        return true;
    }

    /** A new generation: trials this node ran belong to an older one and hold no lease in it. */
    private synchronized void dropTrials() {
        held = 0;
    }

    /**
     * Closed on both sides: takes the failures other nodes counted, or the success elsewhere that ended them. The
     * cluster's count is the record's plus this node's {@code unmerged} failures, which the record does not hold yet; a
     * node whose count reaches the threshold that way opens at once, without waiting for its failures to be written.
     */
    private void mergeFailures(BreakerHandle h, BreakerSnapshot s, BreakerRecord r, int unmerged) {
        int cluster = r.failures() + unmerged;
        if (cluster > s.failures()) {
            h.raiseFailures(s.generation(), cluster);
        } else if (r.failures() == 0 && s.failures() > 0 && work().failures == 0) {
            h.install(s.generation(), SyncRules.toLocal(r, worker.wallMillis()), true);
        }
    }

    private SyncRules.Context context() {
        BreakerHandle h = handle;
        return new SyncRules.Context(
                worker.quorum(),
                worker.node,
                worker.wallMillis(),
                h.failureThreshold(),
                h.successThreshold(),
                h.halfOpenPermits(),
                h.maxWaitInHalfOpenNanos(),
                worker.leaseMillis());
    }
}
