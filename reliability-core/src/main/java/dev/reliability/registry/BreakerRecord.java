package dev.reliability.registry;

import dev.reliability.internal.SyncedState;
import dev.reliability.state.StateValue;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The record a persisted breaker keeps in the state store, under {@code reliability:breaker:<name>}, written by
 * compare-and-set on the store's version. Times are wall-clock epoch milliseconds, never monotonic readings.
 *
 * @param state the state, stored by its external name
 * @param generation incremented by every write that changes the state, so nodes can tell a new state from an update
 * @param openUntilMs OPEN: when the open duration ends
 * @param openMs the current open duration, grown by reopens
 * @param reopens how many times in a row half-open reopened the breaker
 * @param failures CLOSED: the consecutive failures, counted across nodes
 * @param probes HALF_OPEN: trial permits claimed in this generation, across nodes
 * @param successes HALF_OPEN: trial successes in this generation, across nodes
 * @param sinceMs HALF_OPEN: when the newest trial permit was claimed
 * @param node the node that wrote the record last
 * @param reports QUORUM: the open nodes, each with the time its own open duration ends
 * @param leases HALF_OPEN: the nodes running trials of this generation, each with the time its lease ends. A holder's
 *     sync worker renews its lease while its trials run; once no holder's lease is live, the permits are reclaimed
 *     (see {@link SyncRules#claim}). Absent in records of the format before leases: such a claim has no lease and is
 *     reclaimed after {@code maxWaitInHalfOpen} only, as then.
 */
record BreakerRecord(
        SyncedState state,
        long generation,
        long openUntilMs,
        long openMs,
        int reopens,
        int failures,
        int probes,
        int successes,
        long sinceMs,
        String node,
        Map<String, Long> reports,
        Map<String, Long> leases) {

    static final String KEY_PREFIX = "reliability:breaker:";

    BreakerRecord {
        reports = Map.copyOf(reports);
        leases = Map.copyOf(leases);
    }

    /** The record in {@code newState} and a new generation, with no trial claimed and no lease. */
    BreakerRecord withState(SyncedState newState, long newGeneration) {
        return new BreakerRecord(
                newState,
                newGeneration,
                openUntilMs,
                openMs,
                reopens,
                failures,
                0,
                0,
                sinceMs,
                node,
                reports,
                Map.of());
    }

    BreakerRecord withFailures(int count, String writer) {
        return new BreakerRecord(
                state,
                generation,
                openUntilMs,
                openMs,
                reopens,
                count,
                probes,
                successes,
                sinceMs,
                writer,
                reports,
                leases);
    }

    BreakerRecord withProbes(int count, int successCount, long since, String writer) {
        return new BreakerRecord(
                state,
                generation,
                openUntilMs,
                openMs,
                reopens,
                failures,
                count,
                successCount,
                since,
                writer,
                reports,
                leases);
    }

    /** The record with {@code holder}'s lease ending at {@code untilMs}, and without the leases ended by {@code nowMs}. */
    BreakerRecord withLease(String holder, long untilMs, long nowMs) {
        Map<String, Long> next = live(leases, nowMs);
        next.put(holder, untilMs);
        return new BreakerRecord(
                state,
                generation,
                openUntilMs,
                openMs,
                reopens,
                failures,
                probes,
                successes,
                sinceMs,
                holder,
                reports,
                next);
    }

    /** When {@code holder}'s lease ends; 0 if it holds none. */
    long leaseOf(String holder) {
        return leases.getOrDefault(holder, 0L);
    }

    /** Whether the trials were claimed under leases and every lease ended by {@code nowMs}: their holders are gone. */
    boolean leasesEnded(long nowMs) {
        if (leases.isEmpty()) {
            return false; // a claim of the format before leases, or none: maxWaitInHalfOpen alone reclaims it
        }
        for (long until : leases.values()) {
            if (until > nowMs) {
                return false;
            }
        }
        return true;
    }

    BreakerRecord withReports(Map<String, Long> newReports, String writer) {
        return new BreakerRecord(
                state,
                generation,
                openUntilMs,
                openMs,
                reopens,
                failures,
                probes,
                successes,
                sinceMs,
                writer,
                newReports,
                leases);
    }

    /** Counts the reports whose open duration has not ended at {@code nowMs}. */
    int liveReports(long nowMs) {
        int live = 0;
        for (long until : reports.values()) {
            if (until > nowMs) {
                live++;
            }
        }
        return live;
    }

    /** The reports, without those that ended before {@code nowMs}, plus or minus one node's. */
    Map<String, Long> reportsWith(String reporter, long untilMs, long nowMs) {
        Map<String, Long> next = live(reports, nowMs);
        if (untilMs > nowMs) {
            next.put(reporter, untilMs);
        } else {
            next.remove(reporter);
        }
        return next;
    }

    StateValue encode() {
        Map<String, StateValue> map = new TreeMap<>();
        map.put("state", StateValue.of(state.stored()));
        map.put("generation", StateValue.of(generation));
        map.put("openUntilMs", StateValue.of(openUntilMs));
        map.put("openMs", StateValue.of(openMs));
        map.put("reopens", StateValue.of((long) reopens));
        map.put("failures", StateValue.of((long) failures));
        map.put("probes", StateValue.of((long) probes));
        map.put("successes", StateValue.of((long) successes));
        map.put("sinceMs", StateValue.of(sinceMs));
        map.put("node", StateValue.of(node));
        if (!reports.isEmpty()) {
            Map<String, StateValue> r = new TreeMap<>();
            reports.forEach((k, v) -> r.put(k, StateValue.of(v)));
            map.put("reports", StateValue.ofMap(r));
        }
        if (!leases.isEmpty()) {
            Map<String, StateValue> l = new TreeMap<>();
            leases.forEach((k, v) -> l.put(k, StateValue.of(v)));
            map.put("leases", StateValue.ofMap(l));
        }
        return StateValue.ofMap(map);
    }

    /** Decodes a stored record; empty if the value is not one (then it is overwritten by the next write). */
    static Optional<BreakerRecord> decode(StateValue value) {
        try {
            Map<String, StateValue> map = value.asMap();
            Map<String, Long> reports = longs(map.get("reports"));
            Map<String, Long> leases = longs(map.get("leases")); // absent in the format before leases
            return Optional.of(new BreakerRecord(
                    SyncedState.ofStored(map.get("state").asString()),
                    map.get("generation").asLong(),
                    map.get("openUntilMs").asLong(),
                    map.get("openMs").asLong(),
                    (int) map.get("reopens").asLong(),
                    (int) map.get("failures").asLong(),
                    (int) map.get("probes").asLong(),
                    (int) map.get("successes").asLong(),
                    map.get("sinceMs").asLong(),
                    map.get("node").asString(),
                    reports,
                    leases));
        } catch (RuntimeException malformed) {
            return Optional.empty();
        }
    }

    /** The entries of {@code untils} whose time has not ended at {@code nowMs}, in a map to change. */
    private static Map<String, Long> live(Map<String, Long> untils, long nowMs) {
        Map<String, Long> next = new HashMap<>();
        untils.forEach((k, until) -> {
            if (until > nowMs) {
                next.put(k, until);
            }
        });
        return next;
    }

    private static Map<String, Long> longs(StateValue value) {
        Map<String, Long> longs = new HashMap<>();
        if (value != null) {
            value.asMap().forEach((k, v) -> longs.put(k, v.asLong()));
        }
        return longs;
    }
}
