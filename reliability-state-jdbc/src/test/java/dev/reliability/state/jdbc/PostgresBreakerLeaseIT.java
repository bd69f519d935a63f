package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.TimeSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three JVMs ({@link LeaseNode}) share one breaker on PostgreSQL and call a backend the test switches through a file.
 * While it fails, first with the store answering, then with every store connection of the three nodes terminated every
 * 10 ms for 5 s; then the node that runs the half-open trial is killed with SIGKILL during its trial, and the backend
 * recovers. Checked: no open period with two trials, in the quiet phase and under the storm (when the storm cuts a node
 * off, only the node that wrote the last record runs trials); one trial while the trial node lives; the survivors
 * permit again within 5 s of the recovery (the killed node's lease ends); and no call fails because of the store. The
 * calls beyond the threshold are printed, not asserted: how many reach the backend before the cluster opens depends on
 * how fast the store propagates a failure count (see README). Every run writes its timeline, the nodes' events beside
 * each version of the record (kept by a trigger), to {@code target/lease-it-*.txt}. Only the backends of this test's
 * nodes are terminated, by their {@code application_name}.
 */
class PostgresBreakerLeaseIT {
    private static final int NODES = 3;
    private static final int THRESHOLD = 3;
    private static final long SYNC_MS = 200;
    private static final long OPEN_MS = 500;

    private final TimeSource time = TimeSource.system();
    private final String application = "rb_lease_"
            + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16).toLowerCase(Locale.ROOT);
    private final List<ChildJvm> nodes = new ArrayList<>();
    private TestPool pool;
    private Tables tables;
    private String[] names;
    private Path backend;
    private long started;

    @BeforeEach
    void connect(@TempDir Path dir) throws IOException, SQLException {
        pool = new TestPool(ServerDatabase.POSTGRESQL.dataSource());
        tables = new Tables(pool);
        names = tables.next();
        try (JdbcStateStore tablesCreated = JdbcStateStore.builder(pool)
                .valuesTable(names[0])
                .locksTable(names[1])
                .build()) {
            assertThat(tablesCreated.dialect()).isEqualTo(SqlDialect.POSTGRESQL);
        }
        recordHistory();
        started = time.millis();
        backend = dir.resolve("backend");
        set("up");
        String url = ServerDatabase.POSTGRESQL.url();
        url += (url.contains("?") ? "&" : "?") + "ApplicationName=" + application;
        for (int i = 0; i < NODES; i++) {
            nodes.add(ChildJvm.start(
                    LeaseNode.class,
                    dir.resolve("node" + i),
                    List.of(),
                    url,
                    names[0],
                    names[1],
                    backend.toString(),
                    Long.toString(SYNC_MS),
                    Long.toString(OPEN_MS)));
        }
    }

    @AfterEach
    void close() throws Exception {
        set("exit");
        for (ChildJvm node : nodes) {
            node.kill(); // after exit, or at once if the test failed before
        }
        if (!nodes.isEmpty()) {
            System.out.println("PostgresBreakerLeaseIT: timeline in " + writeTimeline(started));
        }
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + names[0] + "_h");
        }
        tables.dropAll();
        pool.close();
    }

    @Test
    void oneTrialWhileTheTrialNodeLivesAndTheSurvivorsOfAKilledTrialNodePermitAfterItsLease() throws Exception {
        for (ChildJvm node : nodes) {
            assertThat(node.awaitLines(1)).first().isEqualTo("ready");
        }
        time.sleep(Duration.ofMillis(500)); // healthy: the cluster is closed

        long failing = time.millis();
        set("down"); // a quiet failing phase first: the store answers
        time.sleep(Duration.ofMillis(3_500)); // room for 3 trials after a slow first open on a loaded machine
        long storm = time.millis();
        int terminated = terminateEvery10MsFor(Duration.ofSeconds(5));
        long calm = time.millis();
        time.sleep(Duration.ofSeconds(1));

        long hanging = time.millis();
        set("hang"); // the next trial call never returns by itself
        int trialNode = awaitTrial(hanging);
        nodes.get(trialNode).kill(); // SIGKILL during the trial: its lease is never renewed again
        long recovered = time.millis();
        set("up");
        long permitted = awaitSuccess(trialNode, recovered);

        List<Long> quietTrials = events("T", failing, storm, -1);
        List<Long> hits = events("H", failing, quietTrials.isEmpty() ? storm : quietTrials.get(0), -1);
        int beyondThreshold = hits.size() - THRESHOLD;
        List<Long> stormTrials = events("T", storm, calm, -1);
        List<Long> hangTrials = events("T", hanging, recovered, -1);
        List<String> storeFailures = lines("E");
        List<String> outages = lines("U");
        System.out.printf(
                "PostgresBreakerLeaseIT: quiet failing phase: %d trials, %d open periods with two trials, %d calls"
                        + " beyond the threshold of %d; storm: %d backends terminated, %d trials, %d open periods with"
                        + " two trials, %d outages reported; hanging trial: %d trials; permitted %d ms after the"
                        + " recovery with the trial node killed; %d calls failed by the store%n",
                quietTrials.size(),
                doubles(quietTrials),
                beyondThreshold,
                THRESHOLD,
                terminated,
                stormTrials.size(),
                doubles(stormTrials),
                outages.size(),
                hangTrials.size(),
                permitted - recovered,
                storeFailures.size());

        assertThat(quietTrials.size()).as("trials while failing").isGreaterThanOrEqualTo(3);
        assertThat(doubles(quietTrials))
                .as("open periods with two trials, the store answering")
                .isZero();
        assertThat(doubles(stormTrials))
                .as("open periods with two trials, connections cut")
                .isZero();
        assertThat(terminated).as("backends of the nodes terminated").isPositive();
        assertThat(hangTrials)
                .as("trials while the trial node lives, its call hanging")
                .hasSize(1);
        assertThat(permitted - recovered).as("ms to permit after the recovery").isLessThanOrEqualTo(5_000);
        assertThat(storeFailures).as("calls failed by the store").isEmpty();
    }

    /**
     * Keeps every version of the record in a history table, written by a trigger in the writing transaction, with the
     * database's clock: the timeline file shows each claim, renewal and adoption source beside the nodes' events.
     */
    private void recordHistory() throws SQLException {
        String history = names[0] + "_h";
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + history + " (at_ms BIGINT, version BIGINT, text_value TEXT)");
            s.execute("CREATE FUNCTION " + history + "_f() RETURNS trigger AS $$ BEGIN INSERT INTO " + history
                    + " VALUES ((extract(epoch FROM clock_timestamp()) * 1000)::bigint, NEW.version,"
                    + " NEW.text_value); RETURN NEW; END $$ LANGUAGE plpgsql");
            s.execute("CREATE TRIGGER " + history + "_t AFTER INSERT OR UPDATE ON " + names[0]
                    + " FOR EACH ROW EXECUTE FUNCTION " + history + "_f()");
        }
    }

    /** Writes every node's lines and every record version since {@code fromMs}, in time order; returns the file. */
    private Path writeTimeline(long fromMs) throws Exception {
        List<long[]> order = new ArrayList<>();
        List<String> text = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            for (String line : nodes.get(i).lines()) {
                String[] f = line.split(" ", -1);
                if (f.length > 1 && Long.parseLong(f[1]) >= fromMs) {
                    order.add(new long[] {Long.parseLong(f[1]), text.size()});
                    text.add((Long.parseLong(f[1]) - fromMs) + " node" + i + " " + line);
                }
            }
        }
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT at_ms, version, text_value FROM " + names[0]
                        + "_h WHERE at_ms >= ? ORDER BY version")) {
            ps.setLong(1, fromMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    order.add(new long[] {rs.getLong(1), text.size()});
                    text.add((rs.getLong(1) - fromMs) + " store v" + rs.getLong(2) + " " + rs.getString(3));
                }
            }
        }
        order.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        List<String> sorted = new ArrayList<>();
        for (long[] o : order) {
            sorted.add(text.get((int) o[1]));
        }
        Path file = Path.of("target", "lease-it-" + fromMs + ".txt").toAbsolutePath();
        Files.createDirectories(file.getParent());
        Files.write(file, sorted, StandardCharsets.UTF_8);
        return file;
    }

    /** Counts the trials closer than half an open duration to the one before: two trials in one open period. */
    private static int doubles(List<Long> trials) {
        int doubles = 0;
        for (int i = 1; i < trials.size(); i++) {
            if (trials.get(i) - trials.get(i - 1) < OPEN_MS / 2) {
                doubles++;
            }
        }
        return doubles;
    }

    /** Switches the backend; atomically, so that a node never reads half a word. */
    private void set(String mode) throws IOException {
        Path next = backend.resolveSibling("backend.next");
        Files.writeString(next, mode, StandardCharsets.UTF_8);
        Files.move(next, backend, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Terminates this test's nodes' backends every 10 ms; returns how many were terminated. */
    private int terminateEvery10MsFor(Duration duration) throws Exception {
        DataSource admin = ServerDatabase.POSTGRESQL.dataSource();
        int terminated = 0;
        long end = time.millis() + duration.toMillis();
        try (Connection c = admin.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM"
                        + " pg_stat_activity WHERE application_name = ? AND pid <> pg_backend_pid()")) {
            ps.setString(1, application);
            while (time.millis() < end) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    terminated += rs.getInt(1);
                }
                time.sleep(Duration.ofMillis(10));
            }
        }
        return terminated;
    }

    /** Waits for the first trial that starts after {@code sinceMs}; returns its node. */
    private int awaitTrial(long sinceMs) throws Exception {
        long end = time.millis() + 10_000;
        while (time.millis() < end) {
            for (int i = 0; i < NODES; i++) {
                if (!events("T", sinceMs, Long.MAX_VALUE, i).isEmpty()) {
                    return i;
                }
            }
            time.sleep(Duration.ofMillis(2));
        }
        throw new AssertionError(
                "no trial within 10 s of " + sinceMs + ": " + timeline(sinceMs - 2_000, time.millis()));
    }

    /** Waits for a successful call of a node other than {@code dead} after {@code sinceMs}; returns its time. */
    private long awaitSuccess(int dead, long sinceMs) throws Exception {
        long end = time.millis() + 30_000;
        while (time.millis() < end) {
            long first = Long.MAX_VALUE;
            for (int i = 0; i < NODES; i++) {
                if (i == dead) {
                    continue;
                }
                for (String line : nodes.get(i).lines()) {
                    String[] f = line.split(" ", -1);
                    if (f[0].equals("H") && f[2].equals("ok") && Long.parseLong(f[1]) >= sinceMs) {
                        first = Math.min(first, Long.parseLong(f[1]));
                    }
                }
            }
            if (first != Long.MAX_VALUE) {
                return first;
            }
            time.sleep(Duration.ofMillis(10));
        }
        throw new AssertionError("no survivor permitted a call within 30 s of the recovery");
    }

    /** The times of the events of one kind in [fromMs, toMs), of one node or of all (-1), sorted. */
    private List<Long> events(String kind, long fromMs, long toMs, int node) {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            if (node >= 0 && i != node) {
                continue;
            }
            for (String line : nodes.get(i).lines()) {
                String[] f = line.split(" ", -1);
                if (f[0].equals(kind)) {
                    long ms = Long.parseLong(f[1]);
                    if (ms >= fromMs && ms < toMs) {
                        times.add(ms);
                    }
                }
            }
        }
        times.sort(null);
        return times;
    }

    /** Every node's trials, outages and failed calls between two times, for a failure message. */
    private List<String> timeline(long fromMs, long toMs) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            for (String line : nodes.get(i).lines()) {
                String[] f = line.split(" ", -1);
                if (f.length > 1 && !f[0].equals("H")) {
                    long ms = Long.parseLong(f[1]);
                    if (ms >= fromMs && ms < toMs) {
                        found.add((ms - fromMs) + " node" + i + " " + line);
                    }
                }
            }
        }
        found.sort(Comparator.comparingLong(line -> Long.parseLong(line.substring(0, line.indexOf(' ')))));
        return found;
    }

    /** The lines of one kind, of every node. */
    private List<String> lines(String kind) {
        List<String> found = new ArrayList<>();
        for (ChildJvm node : nodes) {
            for (String line : node.lines()) {
                if (line.startsWith(kind + " ")) {
                    found.add(line);
                }
            }
        }
        return found;
    }
}
