package dev.reliability.registry;

import static dev.reliability.internal.SyncedState.CLOSED;
import static dev.reliability.internal.SyncedState.FORCED_OPEN;
import static dev.reliability.internal.SyncedState.HALF_OPEN;
import static dev.reliability.internal.SyncedState.OPEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.internal.BreakerSnapshot;
import dev.reliability.internal.SyncedState;
import dev.reliability.registry.SyncRules.Adopt;
import dev.reliability.registry.SyncRules.Claim;
import dev.reliability.registry.SyncRules.Decision;
import dev.reliability.registry.SyncRules.Denied;
import dev.reliability.registry.SyncRules.Granted;
import dev.reliability.registry.SyncRules.Local;
import dev.reliability.registry.SyncRules.Write;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The sync protocol's conflict rules, from a table: (stored record, local state) → decision. No store, no clock. */
class SyncRulesTest {
    private static final long WALL = 1_000_000L;
    private static final long LEASE = 2_000L;

    /** The stored record of a table row. */
    private static BreakerRecord rec(SyncedState state, long generation) {
        return new BreakerRecord(state, generation, 0L, 30_000L, 0, 0, 0, 0, WALL, "other", Map.of(), Map.of());
    }

    /** The local side of a table row: nothing queued until a modifier says so. */
    private record L(
            SyncedState state,
            long synced,
            int nowFailures,
            boolean transitioned,
            boolean manual,
            int failures,
            boolean cleared,
            int successes,
            int released,
            boolean dirty) {
        static L of(SyncedState state, long synced) {
            return new L(state, synced, 0, false, false, 0, false, 0, 0, false);
        }

        L withTransition() {
            return new L(state, synced, nowFailures, true, manual, failures, cleared, successes, released, dirty);
        }

        L byHand() {
            return new L(state, synced, nowFailures, true, true, failures, cleared, successes, released, dirty);
        }

        /** {@code n} failures queued, and the local count at {@code n} too. */
        L queuedFailures(int n) {
            return new L(state, synced, n, transitioned, manual, n, cleared, successes, released, dirty);
        }

        L afterSuccess() {
            return new L(state, synced, nowFailures, transitioned, manual, failures, true, successes, released, dirty);
        }

        L trialSuccesses(int n) {
            return new L(state, synced, nowFailures, transitioned, manual, failures, cleared, n, released, dirty);
        }

        L trialsReleased(int n) {
            return new L(state, synced, nowFailures, transitioned, manual, failures, cleared, successes, n, dirty);
        }

        L afterOutage() {
            return new L(
                    state, synced, nowFailures, transitioned, manual, failures, cleared, successes, released, true);
        }

        Local local() {
            long remaining = state == OPEN ? 30_000_000_000L : 0L;
            BreakerSnapshot now = new BreakerSnapshot(state, 7L, remaining, 30_000_000_000L, 0, nowFailures);
            return new Local(now, synced, transitioned, manual, failures, cleared, successes, released, dirty);
        }
    }

    private static SyncRules.Context ctx(int quorum, int successThreshold) {
        return new SyncRules.Context(quorum, "me", WALL, 3, successThreshold, 1, 60_000_000_000L, LEASE);
    }

    private static Arguments row(String rule, BreakerRecord stored, L local, String expected) {
        return row(rule, 1, 1, stored, local, expected);
    }

    private static Arguments row(
            String rule, int quorum, int successThreshold, BreakerRecord stored, L local, String expected) {
        return Arguments.of(rule, quorum, successThreshold, stored, local, expected);
    }

    static Stream<Arguments> decisions() {
        return Stream.of(
                row("nothing stored, nothing queued", null, L.of(CLOSED, 0), "done"),
                row("same generation, same state, nothing queued", rec(OPEN, 2), L.of(OPEN, 2), "done"),
                row(
                        "the first failures are written",
                        null,
                        L.of(CLOSED, 0).queuedFailures(2),
                        "write closed g0 f2, adopt"),
                row(
                        "queued failures add to the stored count, which opens locally at the threshold",
                        rec(CLOSED, 0).withFailures(1, "other"),
                        L.of(CLOSED, 0).queuedFailures(2),
                        "adopt closed g0 f3"),
                row(
                        "a success queued before the failures restarts the count",
                        rec(CLOSED, 0).withFailures(2, "other"),
                        L.of(CLOSED, 0).afterSuccess().queuedFailures(1),
                        "write closed g0 f1, adopt"),
                row(
                        "after an outage the higher of the two counts is kept",
                        rec(CLOSED, 0).withFailures(1, "other"),
                        L.of(CLOSED, 0).queuedFailures(2).afterOutage(),
                        "write closed g0 f2, adopt"),
                row(
                        "a local open is written in a new generation",
                        rec(CLOSED, 3),
                        L.of(OPEN, 3).withTransition(),
                        "write open g4 until +30000"),
                row(
                        "a local reopen over the open it agrees with is written (an outage's local trial failed)",
                        rec(OPEN, 3),
                        L.of(OPEN, 3).withTransition(),
                        "write open g4 until +30000"),
                row(
                        "a local open that ends with the record's is the record's, adopted after a queued open",
                        new BreakerRecord(
                                OPEN, 3, WALL + 30_000, 30_000L, 0, 0, 0, 0, WALL, "other", Map.of(), Map.of()),
                        L.of(OPEN, 3).withTransition(),
                        "done"),
                row("a newer remote open wins", rec(OPEN, 5), L.of(CLOSED, 3).queuedFailures(1), "adopt open g5"),
                row(
                        "a newer remote forced-open wins over a local open",
                        rec(FORCED_OPEN, 5),
                        L.of(OPEN, 3).withTransition(),
                        "adopt forced-open g5"),
                row(
                        "a local open wins over a newer remote closed",
                        rec(CLOSED, 5),
                        L.of(OPEN, 3).withTransition(),
                        "write open g6 until +30000"),
                row(
                        "a manual change is the newest intent",
                        rec(FORCED_OPEN, 5),
                        L.of(CLOSED, 3).byHand(),
                        "write closed g6"),
                row(
                        "a local trial's close is written over its own half-open",
                        rec(HALF_OPEN, 5),
                        L.of(CLOSED, 5).withTransition(),
                        "write closed g6"),
                row(
                        "a local trial's close is written over a newer remote half-open",
                        rec(HALF_OPEN, 6),
                        L.of(CLOSED, 3).withTransition(),
                        "write closed g7"),
                row("a reset elsewhere is adopted", rec(CLOSED, 6), L.of(CLOSED, 3), "adopt closed g6"),
                row(
                        "trial successes across nodes close the breaker",
                        2,
                        2,
                        rec(HALF_OPEN, 4).withProbes(2, 1, WALL, "other"),
                        L.of(HALF_OPEN, 4).trialSuccesses(1),
                        "write closed g5, adopt"),
                row(
                        "a trial permit given back unused frees it",
                        1,
                        1,
                        rec(HALF_OPEN, 4).withProbes(1, 0, WALL, "other"),
                        L.of(HALF_OPEN, 4).trialsReleased(1),
                        "write half-open g4 p0"),
                row(
                        "LOCAL_ONLY overwrites its own record",
                        0,
                        1,
                        rec(OPEN, 9),
                        L.of(CLOSED, 0).queuedFailures(1),
                        "write closed g9 f1"),
                row(
                        "quorum: an open node reports itself, the cluster stays closed",
                        2,
                        1,
                        rec(CLOSED, 0),
                        L.of(OPEN, 0).withTransition(),
                        "write closed g0 r1"),
                row(
                        "quorum: the second open node opens the cluster",
                        2,
                        1,
                        rec(CLOSED, 0).withReports(Map.of("other", WALL + 5_000), "other"),
                        L.of(OPEN, 0).withTransition(),
                        "write open g1 until +30000 r2"),
                row("quorum: counts are each node's own", 2, 1, rec(CLOSED, 0), L.of(CLOSED, 0), "done"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void decide(String rule, int quorum, int successThreshold, BreakerRecord stored, L local, String expected) {
        Decision decision = SyncRules.decide(stored, local.local(), ctx(quorum, successThreshold));

        assertThat(describe(decision)).isEqualTo(expected);
    }

    static Stream<Arguments> claims() {
        BreakerRecord halfOpenTaken = rec(HALF_OPEN, 3).withProbes(1, 0, WALL, "other");
        BreakerRecord openLater =
                new BreakerRecord(OPEN, 3, WALL + 1_000, 30_000L, 0, 0, 0, 0, WALL, "other", Map.of(), Map.of());
        return Stream.of(
                Arguments.of("nothing stored: a local decision", null, 0L, "granted"),
                Arguments.of(
                        "the first claim after the open time",
                        rec(OPEN, 2),
                        2L,
                        "granted half-open g3 p1 leases {me=+2000}"),
                Arguments.of("a newer remote open not over yet", openLater, 2L, "denied, adopt open g3 until +1000"),
                Arguments.of(
                        "an open this node agrees with, not over yet: the caller saw a phase replaced since",
                        openLater,
                        3L,
                        "denied, adopt open g3 until +1000"),
                Arguments.of(
                        "an open ending within the clocks' rounding",
                        new BreakerRecord(
                                OPEN,
                                3,
                                WALL + SyncRules.OPEN_SLACK_MILLIS,
                                30_000L,
                                0,
                                0,
                                0,
                                0,
                                WALL,
                                "other",
                                Map.of(),
                                Map.of()),
                        3L,
                        "granted half-open g4 p1 leases {me=+2000}"),
                Arguments.of(
                        "a free permit in half-open",
                        rec(HALF_OPEN, 3).withProbes(0, 0, WALL, "other"),
                        3L,
                        "granted half-open g3 p1 leases {me=+2000}"),
                Arguments.of("every permit out on another node", halfOpenTaken, 2L, "denied, adopt half-open g3 p1"),
                Arguments.of("every permit out, already adopted", halfOpenTaken, 3L, "denied"),
                Arguments.of(
                        "every permit out for maxWaitInHalfOpen",
                        rec(HALF_OPEN, 3).withProbes(1, 0, WALL - 60_000, "other"),
                        3L,
                        "granted half-open g4 p1 leases {me=+2000}"),
                Arguments.of("forced open", rec(FORCED_OPEN, 3), 3L, "denied"),
                Arguments.of(
                        "every permit out, its holder's lease live",
                        held("other", WALL + 1, WALL - 5_000),
                        3L,
                        "denied"),
                Arguments.of(
                        "every permit out, its holder's lease ended: reclaimed long before maxWaitInHalfOpen",
                        held("other", WALL, WALL - 5_000),
                        3L,
                        "granted half-open g4 p1 leases {me=+2000}"),
                Arguments.of(
                        "every permit out under a live lease for maxWaitInHalfOpen: a live holder's hung trial",
                        held("other", WALL + 1_000, WALL - 60_000),
                        3L,
                        "granted half-open g4 p1 leases {me=+2000}"),
                Arguments.of(
                        "two holders, one lease live",
                        held("other", WALL + 1, WALL - 5_000).withLease("third", WALL - 1, WALL - 5_000),
                        3L,
                        "denied"),
                Arguments.of(
                        "a record of the format before leases waits for maxWaitInHalfOpen",
                        rec(HALF_OPEN, 3).withProbes(1, 0, WALL - 59_999, "other"),
                        3L,
                        "denied"));
    }

    /** A half-open record of generation 3 whose one permit {@code holder} claimed at {@code since}, leased until then. */
    private static BreakerRecord held(String holder, long leaseUntil, long since) {
        return rec(HALF_OPEN, 3).withProbes(1, 0, since, holder).withLease(holder, leaseUntil, since);
    }

    static Stream<Arguments> renewals() {
        return Stream.of(
                Arguments.of(
                        "a quarter of the lease passed",
                        held("me", WALL + 1_500, WALL),
                        3L,
                        1,
                        "write " + "half-open g3 p1 leases {me=+2000}"),
                Arguments.of("less than a quarter passed", held("me", WALL + 1_501, WALL), 3L, 1, "done"),
                Arguments.of(
                        "the lease ended but nobody reclaimed it yet",
                        held("me", WALL - 1, WALL - 3_000),
                        3L,
                        1,
                        "write half-open g3 p1 leases {me=+2000}"),
                Arguments.of(
                        "another holder's lease stays",
                        held("me", WALL + 100, WALL).withLease("other", WALL + 900, WALL),
                        3L,
                        1,
                        "write half-open g3 p1 leases {me=+2000, other=+900}"),
                Arguments.of("no trial running here", held("me", WALL + 100, WALL), 3L, 0, "done"),
                Arguments.of("a newer generation", held("other", WALL + 100, WALL), 2L, 1, "done"),
                Arguments.of("not half-open", rec(OPEN, 3), 3L, 1, "done"),
                Arguments.of("nothing stored", null, 0L, 1, "done"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renewals")
    void renewal(String rule, BreakerRecord stored, long synced, int held, String expected) {
        Decision renewal = SyncRules.renewal(stored, synced, held, ctx(1, 1));

        assertThat(describe(renewal)).isEqualTo(expected);
    }

    @Test
    void leasesSurviveEncodingAndARecordWithoutThemDecodesAsBefore() {
        BreakerRecord leased = held("other", WALL + 1, WALL);
        BreakerRecord old = rec(HALF_OPEN, 3).withProbes(1, 0, WALL, "other");

        assertThat(BreakerRecord.decode(leased.encode())).contains(leased);
        assertThat(old.encode().asMap()).doesNotContainKey("leases"); // the format before leases, byte for byte
        assertThat(BreakerRecord.decode(old.encode())).contains(old);
        assertThat(old.leasesEnded(WALL + 1_000_000)).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("claims")
    void claim(String rule, BreakerRecord stored, long synced, String expected) {
        Claim claim = SyncRules.claim(stored, synced, ctx(1, 1));

        assertThat(describe(claim)).isEqualTo(expected);
    }

    private static String describe(Decision d) {
        if (d instanceof Write w) {
            return "write " + describe(w.next()) + (w.adoptAfter() ? ", adopt" : "");
        }
        if (d instanceof Adopt adopt) {
            BreakerRecord r = adopt.record();
            return "adopt " + describe(r);
        }
        return "done";
    }

    private static String describe(Claim c) {
        if (c instanceof Granted granted) {
            BreakerRecord w = granted.write();
            return w == null ? "granted" : "granted " + describe(w);
        }
        BreakerRecord a = ((Denied) c).adopt();
        return a == null ? "denied" : "denied, adopt " + describe(a);
    }

    private static String describe(BreakerRecord r) {
        String s = r.state().stored() + " g" + r.generation();
        if (r.state() == OPEN && r.openUntilMs() != 0L) {
            s += " until " + String.format("%+d", r.openUntilMs() - WALL);
        }
        if (r.state() == CLOSED && r.failures() > 0) {
            s += " f" + r.failures();
        }
        if (r.state() == HALF_OPEN) {
            s += " p" + r.probes();
        }
        if (!r.reports().isEmpty()) {
            s += " r" + r.reports().size();
        }
        if (!r.leases().isEmpty()) {
            Map<String, String> leases = new TreeMap<>();
            r.leases().forEach((node, until) -> leases.put(node, String.format("%+d", until - WALL)));
            s += " leases " + leases;
        }
        return s;
    }
}
