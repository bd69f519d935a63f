package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.state.StateValue;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Time and faults on PostgreSQL: {@code pg_terminate_backend}, statement timeouts, serialization failures. */
class PostgresFaultIT extends ServerFaultTests {
    @Override
    ServerDatabase database() {
        return ServerDatabase.POSTGRESQL;
    }

    @Override
    String backendsSql(String table, boolean waitingOnLock) {
        return "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active'"
                + (waitingOnLock ? " AND wait_event_type = 'Lock'" : "") + " AND query LIKE '%" + table + "%'";
    }

    @Override
    void kill(Connection admin, long id) throws SQLException {
        // With a timeout, pg_terminate_backend waits until the backend has exited.
        try (PreparedStatement ps = admin.prepareStatement("SELECT pg_terminate_backend(?, 5000)")) {
            ps.setInt(1, (int) id);
            ps.executeQuery().close();
        }
    }

    @Override
    String backendIdSql() {
        return "SELECT pg_backend_pid()";
    }

    @Override
    String oneSecondLockTimeoutSql() {
        return "SET lock_timeout = '1s'";
    }

    @Test
    void detectsPostgresAndUsesDatabaseTime() {
        assertThat(store.dialect()).isEqualTo(SqlDialect.POSTGRESQL);
        assertThat(store.timeMode()).isEqualTo(TimeMode.DATABASE);
    }

    @Test
    void forcedSerializationConflictsAreRetriedAndCountsStayExact() throws Exception {
        // Under repeatable read, a concurrent update of the same row fails with 40001 instead of waiting.
        TestDataSources.Forwarding repeatableRead = TestDataSources.configuring(
                pool, c -> c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ));
        try (var conflicted = builder(repeatableRead).maxAttempts(200).build()) {
            repeatableRead.connections.set(0); // count the increments' connections only
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int t = 0; t < 8; t++) {
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < 100; i++) {
                            conflicted.increment("c", 1);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                thread.start();
                threads.add(thread);
            }
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            // Every retry takes a new connection: more connections than increments means conflicts were retried.
            int connections = repeatableRead.connections.get();
            assertThat(failures).isEmpty();
            assertThat(conflicted.get("c")).contains(StateValue.of(800L));
            assertThat(connections).isGreaterThan(800);
        }
        // The pooled connections now run at repeatable read: drop them so later tests get fresh ones.
        pool.close();
    }
}
