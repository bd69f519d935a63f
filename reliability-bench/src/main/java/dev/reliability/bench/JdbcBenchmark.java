package dev.reliability.bench;

import dev.reliability.state.jdbc.JdbcStateStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The JDBC store's increment on PostgreSQL against a raw single-statement upsert through the same DataSource.
 *
 * <p>Needs a PostgreSQL server: {@code RELIABILITY_PG_URL}, or {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}
 * by default. Not part of the CI smoke. Each thread has its own connection, handed out by a one-connection
 * DataSource whose connections ignore {@code close()}: a pool of one, so that neither side pays for opening a
 * connection and both see the same connection state. The raw upsert is prepared per call, as the store prepares its
 * statements (the driver caches them per connection), increments a key of its own in the store's table and returns
 * the new value; what the store adds is its key check, its statement's type and expiry handling, and its error
 * handling and retry wrapper.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class JdbcBenchmark {

    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    static final String RAW_UPSERT = "INSERT INTO " + JdbcStateStore.DEFAULT_VALUES_TABLE + " AS t"
            + " (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
            + " VALUES (?, 'long', ?, NULL, 1, NULL, 0)"
            + " ON CONFLICT (state_key) DO UPDATE SET num_value = t.num_value + EXCLUDED.num_value"
            + " RETURNING num_value";

    /**
     * One thread's connection, the store on it and the raw upsert's key.
     *
     * <p>Thread-safety: confined to one benchmark thread.
     */
    @State(Scope.Thread)
    public static class Db {
        OneConnection dataSource;
        JdbcStateStore store;
        String storeKey;
        String rawKey;

        /**
         * Connects, builds the store (creating its tables if missing) and clears this thread's keys.
         *
         * @param threads JMH's numbering of the benchmark threads, which names this thread's keys
         * @throws SQLException if the server cannot be reached
         */
        @Setup
        public void setUp(ThreadParams threads) throws SQLException {
            String url = System.getenv().getOrDefault("RELIABILITY_PG_URL", DEFAULT_URL);
            dataSource = new OneConnection(DriverManager.getConnection(url));
            store = JdbcStateStore.builder(dataSource).build();
            int thread = threads.getThreadIndex();
            storeKey = "bench:jdbc:store:" + thread;
            rawKey = "bench:jdbc:raw:" + thread;
            store.delete(storeKey);
            store.delete(rawKey);
        }

        /**
         * Removes this thread's keys, closes the store and the connection.
         *
         * @throws SQLException if the connection cannot be closed
         */
        @TearDown
        public void tearDown() throws SQLException {
            store.delete(storeKey);
            store.delete(rawKey);
            store.close();
            dataSource.connection.close();
        }
    }

    /** A DataSource of one connection, whose {@code close()} leaves it open: a pool of one. */
    static final class OneConnection extends ConnectionSource {
        final Connection connection;
        private final Connection handle;

        OneConnection(Connection connection) {
            this.connection = connection;
            this.handle = (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("close") && method.getParameterCount() == 0) {
                            return null;
                        }
                        try {
                            return method.invoke(connection, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @Override
        public Connection getConnection() {
            return handle;
        }
    }

    /**
     * Increments this thread's key through the JDBC store.
     *
     * @param db this thread's connection and store
     * @return the new value, consumed by JMH
     */
    @Benchmark
    public long storeIncrement(Db db) {
        return db.store.increment(db.storeKey, 1L);
    }

    /**
     * Increments this thread's other key with one upsert statement through the same DataSource: the baseline.
     *
     * @param db this thread's connection
     * @return the new value, consumed by JMH
     * @throws SQLException if the statement fails
     */
    @Benchmark
    public long rawUpsert(Db db) throws SQLException {
        try (Connection c = db.dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(RAW_UPSERT)) {
            ps.setString(1, db.rawKey);
            ps.setLong(2, 1L);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
