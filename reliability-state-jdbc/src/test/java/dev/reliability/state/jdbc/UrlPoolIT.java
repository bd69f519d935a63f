package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.TimeSource;
import dev.reliability.state.StateStoreException;
import dev.reliability.state.StateStoreException.Kind;
import dev.reliability.state.StateValue;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pool of {@link JdbcStateStore#builderForUrl(String)} on PostgreSQL: operations reuse connections, a terminated
 * one is replaced without running a write twice, and closing the store closes its connections. Only this test's own
 * backends are terminated, found by their {@code application_name}.
 */
class UrlPoolIT {
    private final String application = "rt_pool_"
            + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16).toLowerCase(Locale.ROOT);
    private DataSource admin;
    private Tables tables;
    private String[] names;
    private String url;
    private JdbcStateStore store;

    @BeforeEach
    void open() {
        admin = ServerDatabase.POSTGRESQL.dataSource();
        tables = new Tables(admin);
        names = tables.next();
        url = ServerDatabase.POSTGRESQL.url();
        url += (url.contains("?") ? "&" : "?") + "ApplicationName=" + application;
        store = JdbcStateStore.builderForUrl(url)
                .valuesTable(names[0])
                .locksTable(names[1])
                .build();
    }

    @AfterEach
    void close() {
        store.close();
        tables.dropAll();
    }

    @Test
    void operationsReuseTheirConnections() throws SQLException {
        store.increment("n", 1);
        Set<Integer> first = backends();

        for (int i = 0; i < 200; i++) {
            store.increment("n", 1);
        }

        // A new connection per operation would have shown 200 backends. The pool keeps one idle connection, so its
        // housekeeper may add a second while the first is in use.
        assertThat(first).isNotEmpty();
        assertThat(backends()).containsAll(first).hasSizeLessThanOrEqualTo(2);
        assertThat(store.get("n")).contains(StateValue.of(201));
    }

    @Test
    void aTerminatedConnectionIsReplacedAndNoWriteRunsTwice() throws Exception {
        assertThat(store.increment("n", 1)).isEqualTo(1);
        Set<Integer> killed = terminateOwnBackends();
        assertThat(killed).isNotEmpty();
        awaitBackends(backends -> backends.stream().noneMatch(killed::contains));

        // The write meets the dead connection unless validation catches it first; lost, it is not retried.
        boolean applied;
        try {
            store.increment("n", 1);
            applied = true;
        } catch (StateStoreException lost) {
            assertThat(lost.kind()).isEqualTo(Kind.UNAVAILABLE);
            applied = false;
        }
        // A read may run twice, so it is retried on a new connection whatever happened above.
        assertThat(store.get("n")).contains(StateValue.of(applied ? 2 : 1));
        assertThat(store.increment("n", 1)).isEqualTo(applied ? 3 : 2);
        Set<Integer> now = backends();
        assertThat(now).isNotEmpty().doesNotContainAnyElementsOf(killed);
    }

    @Test
    void closingTheStoreClosesItsConnections() throws Exception {
        store.increment("n", 1);
        assertThat(backends()).isNotEmpty();

        store.close();

        awaitBackends(Set::isEmpty);
        assertThat(backends()).isEmpty();
    }

    @Test
    void aStatementBlockedBeyondTheQueryTimeoutIsCancelledByTheServer() throws Exception {
        // The pool's sessions carry statement_timeout instead of a driver timer per statement: a write that waits for
        // a row lock longer than the query timeout still ends as TIMEOUT, and is not applied.
        store.increment("n", 1);
        try (JdbcStateStore impatient = JdbcStateStore.builderForUrl(url)
                        .valuesTable(names[0])
                        .locksTable(names[1])
                        .createTables(false)
                        .queryTimeout(Duration.ofSeconds(1))
                        .build();
                Connection holder = admin.getConnection()) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock =
                    holder.prepareStatement("SELECT 1 FROM " + names[0] + " WHERE state_key = ? FOR UPDATE")) {
                lock.setString(1, "n");
                lock.executeQuery().close();
            }
            TimeSource time = TimeSource.system();
            long start = time.nanoTime();
            try {
                impatient.increment("n", 1);
                throw new AssertionError("the increment should have timed out behind the row lock");
            } catch (StateStoreException timedOut) {
                assertThat(timedOut.kind()).isEqualTo(Kind.TIMEOUT);
            }
            assertThat(Duration.ofNanos(time.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            holder.rollback();
        }
        assertThat(store.get("n")).contains(StateValue.of(1));
    }

    private Set<Integer> backends() throws SQLException {
        return query("SELECT pid FROM pg_stat_activity WHERE application_name = ?", application);
    }

    private Set<Integer> terminateOwnBackends() throws SQLException {
        Set<Integer> pids = backends();
        for (int pid : pids) {
            query("SELECT CASE WHEN pg_terminate_backend(?) THEN 1 ELSE 0 END", pid);
        }
        return pids;
    }

    /** Runs a query with one parameter and returns its first column. */
    private Set<Integer> query(String sql, Object parameter) throws SQLException {
        try (Connection c = admin.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, parameter);
            Set<Integer> pids = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getInt(1));
                }
            }
            return pids;
        }
    }

    /** Backends leave pg_stat_activity shortly after they are told to end; waits up to 10 s for that. */
    private void awaitBackends(Predicate<Set<Integer>> condition) throws Exception {
        TimeSource time = TimeSource.system();
        long deadline = time.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.test(backends()) && time.nanoTime() < deadline) {
            time.sleep(Duration.ofMillis(20));
        }
    }
}
