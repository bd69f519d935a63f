package dev.reliability.registry;

import static dev.reliability.internal.SyncedState.CLOSED;
import static dev.reliability.internal.SyncedState.DISABLED;
import static dev.reliability.internal.SyncedState.FORCED_OPEN;
import static dev.reliability.internal.SyncedState.HALF_OPEN;
import static dev.reliability.internal.SyncedState.OPEN;

import dev.reliability.internal.BreakerSnapshot;
import java.util.Map;

/**
 * The sync protocol's decisions, as pure functions of the stored record and the local state: no store, no clock, no
 * lock. {@link BreakerLink} runs them in its one loop (read, decide, write by compare-and-set or adopt, re-read on a
 * lost compare-and-set); {@code SyncRulesTest} checks them from a table.
 *
 * <p>The record's generation tells a new state from an update of the same one: the local side names the generation it
 * last agreed with ({@link Local#syncedGeneration}). A record of another generation was written by another node (or
 * before a restart). The conflict rules, when both sides changed:
 *
 * <ol>
 *   <li>A manual change (forceOpen, disable, transitionToClosed, reset) is the newest intent and is written as is.
 *   <li>A newer remote OPEN, FORCED_OPEN or DISABLED wins and is adopted.
 *   <li>Otherwise a local OPEN (or FORCED_OPEN) wins over a remote CLOSED or HALF_OPEN and is written.
 *   <li>Two CLOSED states merge their consecutive failures: queued failures are added to the stored count; after an
 *       outage ({@link Local#dirty}) the higher of the two counts is kept. A count that reaches the threshold opens the
 *       breaker locally, and that transition is written next.
 *   <li>A local trial that closed the breaker is written over a remote HALF_OPEN; otherwise the remote state is adopted.
 * </ol>
 *
 * Under {@link SharingPolicy#LOCAL_ONLY} the record is this node's own memory and is simply overwritten; under a quorum,
 * while the cluster is closed, a node writes only whether it is open itself (see {@link #report}).
 */
final class SyncRules {
    private SyncRules() {}

    /** What one step of the sync loop does. */
    sealed interface Decision permits Done, Write, Adopt {}

    /** Nothing to write or adopt. */
    record Done() implements Decision {}

    /** Write {@code next} by compare-and-set on the version read; then, with {@code adoptAfter}, adopt it locally. */
    record Write(BreakerRecord next, boolean adoptAfter) implements Decision {}

    /** Make the local breaker agree with {@code record}, writing nothing. */
    record Adopt(BreakerRecord record) implements Decision {}

    /** The outcome of a trial claim. */
    sealed interface Claim permits Granted, Denied {}

    /** The trial may run, once {@code write} is written by compare-and-set (no write when null). */
    record Granted(BreakerRecord write) implements Claim {}

    /** The trial may not run; the store holds a newer state to adopt first, unless {@code adopt} is null. */
    record Denied(BreakerRecord adopt) implements Claim {}

    static final Done DONE = new Done();

    /**
     * How far before a stored open-until time a claim is still granted: the local open phase ends at the record's time
     * up to the rounding of wall-clock milliseconds against the monotonic clock, so a caller that found its open time
     * over is never denied by it; a stale caller asks a whole open duration early.
     */
    static final long OPEN_SLACK_MILLIS = 5L;

    /**
     * The local side of one step: the breaker's state and the changes queued since the last write.
     *
     * @param now the breaker's current phase
     * @param syncedGeneration the record generation the local phase agrees with (0 before anything was read)
     * @param transitioned a local transition is not written yet
     * @param manual one of those transitions was a manual change
     * @param failures closed-state failures counted since the last write
     * @param cleared a success cleared the failure count since the last write (before {@code failures} were counted)
     * @param trialSuccesses half-open trial successes that did not close the breaker locally
     * @param trialsReleased half-open trial permits given back unused
     * @param dirty a write was lost to a store outage, or the record could not be read at creation: reconcile
     */
    record Local(
            BreakerSnapshot now,
            long syncedGeneration,
            boolean transitioned,
            boolean manual,
            int failures,
            boolean cleared,
            int trialSuccesses,
            int trialsReleased,
            boolean dirty) {

        boolean pending() {
            return transitioned || dirty || failures > 0 || cleared || trialSuccesses > 0 || trialsReleased > 0;
        }
    }

    /**
     * What the rules need beyond the two states.
     *
     * @param quorum {@link SharingPolicy#quorum()}: 0 for LOCAL_ONLY, 1 for ANY_NODE
     * @param node this node's name in records
     * @param wallMillis the wall-clock time of the step
     * @param leaseMillis how long a trial claim (or its renewal) holds without the next renewal: two sync intervals
     */
    record Context(
            int quorum,
            String node,
            long wallMillis,
            int failureThreshold,
            int successThreshold,
            int halfOpenPermits,
            long maxWaitInHalfOpenNanos,
            long leaseMillis) {}

    /** Decides one step of writing local changes and adopting remote ones; {@code stored} is null when absent. */
    static Decision decide(BreakerRecord stored, Local local, Context ctx) {
        if (stored == null && !local.pending()) {
            return DONE;
        }
        BreakerRecord r = stored == null ? closed(0L, ctx) : stored;
        BreakerSnapshot now = local.now();
        boolean changed = local.transitioned() || local.dirty();
        if (ctx.quorum() == 0) {
            return local.pending()
                    ? new Write(fromLocal(now, r.generation() + (local.transitioned() ? 1 : 0), r, ctx), false)
                    : DONE;
        }
        if (local.manual()) {
            return new Write(fromLocal(now, r.generation() + 1, r, ctx), false);
        }
        boolean remoteChanged = r.generation() != local.syncedGeneration();
        if (ctx.quorum() > 1 && r.state() == CLOSED && !remoteChanged) {
            return changed ? report(r, now, ctx) : DONE;
        }
        if (remoteChanged) {
            if (r.state() == OPEN || r.state() == FORCED_OPEN || r.state() == DISABLED) {
                return new Adopt(r);
            }
            if (changed && now.state().rejects()) {
                return new Write(fromLocal(now, r.generation() + 1, r, ctx), false);
            }
            if (now.state() == CLOSED && r.state() == CLOSED) {
                return ctx.quorum() == 1 ? closedCounts(r, local, ctx) : new Adopt(r);
            }
            if (now.state() == CLOSED && r.state() == HALF_OPEN && local.transitioned()) {
                return new Write(closed(r.generation() + 1, ctx), false);
            }
            return new Adopt(r);
        }
        if (changed && now.state() != HALF_OPEN && (now.state() != r.state() || reopened(r, local, ctx))) {
            return new Write(fromLocal(now, r.generation() + 1, r, ctx), false);
        }
        if (now.state() == CLOSED && r.state() == CLOSED && ctx.quorum() == 1) {
            return closedCounts(r, local, ctx);
        }
        if (now.state() == HALF_OPEN && r.state() == HALF_OPEN) {
            return trialProgress(r, local, ctx);
        }
        return DONE;
    }

    /**
     * A local OPEN the record's OPEN of the same generation does not hold: the breaker moved on locally and opened again
     * (a trial the node decided during an outage failed, or closed and failures reopened it). Its open time and grown
     * open duration are newer than the record's; left unwritten, the others would claim a trial at the record's
     * earlier open-until time and the reopen's backoff would be lost. A local open that ends with the record's is the
     * record's own, adopted over a transition queued before it: nothing to write.
     */
    private static boolean reopened(BreakerRecord r, Local local, Context ctx) {
        long until = ctx.wallMillis() + ceilMillis(local.now().openRemainingNanos());
        return local.transitioned()
                && local.now().state() == OPEN
                && r.state() == OPEN
                && until > r.openUntilMs() + OPEN_SLACK_MILLIS;
    }

    /** Rule 4: both closed in one generation (or after a remote reset): the cluster's consecutive failures. */
    private static Decision closedCounts(BreakerRecord r, Local local, Context ctx) {
        int count = local.dirty()
                ? Math.max(local.now().failures(), r.failures())
                : (local.cleared() ? 0 : r.failures()) + local.failures();
        if (count >= ctx.failureThreshold()) {
            return new Adopt(r.withFailures(count, r.node())); // opens locally; the transition is written next
        }
        if (count != r.failures()) {
            return new Write(r.withFailures(count, ctx.node()), true);
        }
        return new Adopt(r);
    }

    /** Half-open on both sides in one generation: trial successes and released permits, across nodes. */
    private static Decision trialProgress(BreakerRecord r, Local local, Context ctx) {
        int successes = r.successes() + local.trialSuccesses();
        if (successes >= ctx.successThreshold()) {
            return new Write(closed(r.generation() + 1, ctx), true);
        }
        int probes = Math.max(successes, r.probes() - local.trialsReleased());
        if (successes == r.successes() && probes == r.probes()) {
            return DONE;
        }
        return new Write(r.withProbes(probes, successes, r.sinceMs(), ctx.node()), false);
    }

    /**
     * Decides a half-open trial claim: the first claim after the open time moves the record to HALF_OPEN in a new
     * generation; later ones take the remaining permits. Every grant holds a lease of {@link Context#leaseMillis}, which
     * the holder's worker renews while its trials run ({@link #renewal}). When every permit is out, a new generation
     * starts once no holder's lease is live (its node stopped or lost the store), or once the permits have been out for
     * {@code maxWaitInHalfOpen} (a live node whose trial call hangs). The one place trial claims are decided.
     */
    static Claim claim(BreakerRecord r, long syncedGeneration, Context ctx) {
        if (r == null) {
            return new Granted(null); // nothing stored: a local decision
        }
        boolean remoteChanged = r.generation() != syncedGeneration;
        long wall = ctx.wallMillis();
        switch (r.state()) {
            case OPEN -> {
                if (r.openUntilMs() > wall + OPEN_SLACK_MILLIS) {
                    // Not over yet, also in the generation this node agrees with: the caller decided on a phase the
                    // worker has replaced since (a half-open adopted, then the trial's reopen adopted), so it asked up
                    // to an open duration early. Adopting corrects the local phase; a grant would run a second trial.
                    return new Denied(r);
                }
                return new Granted(firstTrial(r, ctx));
            }
            case HALF_OPEN -> {
                if (r.probes() < ctx.halfOpenPermits()) {
                    return new Granted(r.withProbes(r.probes() + 1, r.successes(), wall, ctx.node())
                            .withLease(ctx.node(), wall + ctx.leaseMillis(), wall));
                }
                if (r.leasesEnded(wall) || (wall - r.sinceMs()) * 1_000_000L >= ctx.maxWaitInHalfOpenNanos()) {
                    return new Granted(firstTrial(r, ctx));
                }
                return new Denied(remoteChanged ? r : null);
            }
            default -> {
                if (remoteChanged) {
                    return new Denied(r);
                }
                return r.state() == FORCED_OPEN ? new Denied(null) : new Granted(null);
            }
        }
    }

    /** A new half-open generation with one trial, claimed by this node under a new lease. */
    private static BreakerRecord firstTrial(BreakerRecord r, Context ctx) {
        long wall = ctx.wallMillis();
        return r.withState(HALF_OPEN, r.generation() + 1)
                .withProbes(1, 0, wall, ctx.node())
                .withLease(ctx.node(), wall + ctx.leaseMillis(), wall);
    }

    /**
     * The lease renewal of a node running {@code held} trials of the record's half-open generation: once a quarter of
     * its lease has passed, the lease is extended to a full {@link Context#leaseMillis} from now. Run on every worker
     * pass (at least once per sync interval), so a live holder's lease never ends while its trials run.
     */
    static Decision renewal(BreakerRecord r, long syncedGeneration, int held, Context ctx) {
        if (r == null || held <= 0 || r.state() != HALF_OPEN || r.generation() != syncedGeneration) {
            return DONE;
        }
        long wall = ctx.wallMillis();
        if (r.leaseOf(ctx.node()) - wall > ctx.leaseMillis() * 3 / 4) {
            return DONE;
        }
        return new Write(r.withLease(ctx.node(), wall + ctx.leaseMillis(), wall), false);
    }

    /**
     * Under a quorum, while the cluster is closed: records this node as open (until its open duration ends) or not,
     * and opens the breaker everywhere when enough nodes are open at once.
     */
    static Decision report(BreakerRecord r, BreakerSnapshot now, Context ctx) {
        if (now.state() == HALF_OPEN) {
            return DONE;
        }
        long wall = ctx.wallMillis();
        boolean open = now.state() == OPEN;
        long until = open ? wall + ceilMillis(now.openRemainingNanos()) : 0L;
        BreakerRecord next = r.withReports(r.reportsWith(ctx.node(), until, wall), ctx.node());
        if (open && next.liveReports(wall) >= ctx.quorum()) {
            next = fromLocal(now, r.generation() + 1, next, ctx);
        }
        return new Write(next, false);
    }

    /** The record of the local state, in generation {@code generation}, keeping {@code base}'s reports unless closed. */
    static BreakerRecord fromLocal(BreakerSnapshot s, long generation, BreakerRecord base, Context ctx) {
        long wall = ctx.wallMillis();
        long openUntil = s.state() == OPEN ? wall + ceilMillis(s.openRemainingNanos()) : 0L;
        Map<String, Long> reports = s.state() == CLOSED ? Map.of() : base.reports();
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
                ctx.node(),
                reports,
                Map.of());
    }

    /** The local phase a record stands for, at {@code wallMillis}. */
    static BreakerSnapshot toLocal(BreakerRecord r, long wallMillis) {
        long remaining = r.state() == OPEN ? Math.max(0L, r.openUntilMs() - wallMillis) * 1_000_000L : 0L;
        int failures = r.state() == CLOSED ? r.failures() : 0;
        return new BreakerSnapshot(r.state(), 0L, remaining, r.openMs() * 1_000_000L, r.reopens(), failures);
    }

    /** A closed record with no failures. */
    static BreakerRecord closed(long generation, Context ctx) {
        return new BreakerRecord(
                CLOSED, generation, 0L, 0L, 0, 0, 0, 0, ctx.wallMillis(), ctx.node(), Map.of(), Map.of());
    }

    private static long ceilMillis(long nanos) {
        return (nanos + 999_999L) / 1_000_000L;
    }
}
