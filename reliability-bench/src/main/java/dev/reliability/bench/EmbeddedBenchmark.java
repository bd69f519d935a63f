package dev.reliability.bench;

import dev.reliability.state.jdbc.JdbcStateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The embedded default ({@code JdbcStateStore.embedded}, an SQLite file in WAL mode with {@code synchronous=NORMAL})
 * against a raw upsert on the same engine and settings: increments per second, each acknowledged (committed) before the
 * next, on one connection and one thread. Issue 12 asks for at least 20,000 store increments per second.
 *
 * <p>The raw side is one {@code INSERT ... ON CONFLICT DO UPDATE ... RETURNING} prepared once on its own connection to
 * a second file, opened with the same pragmas; what the store adds is its key check, its statement's type and expiry
 * handling (and the client time it binds), lending its one connection, and its error handling.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@State(Scope.Benchmark)
public class EmbeddedBenchmark {
    static final String RAW_UPSERT = "INSERT INTO counters (k, n) VALUES (?, 1)"
            + " ON CONFLICT (k) DO UPDATE SET n = n + excluded.n RETURNING n";

    Path dir;
    JdbcStateStore store;
    Connection raw;
    PreparedStatement upsert;

    /**
     * Opens the store and the raw connection on two new files in a temporary directory.
     *
     * @throws IOException if the directory cannot be created
     * @throws SQLException if the raw file cannot be opened
     */
    @Setup
    public void setUp() throws IOException, SQLException {
        dir = Files.createTempDirectory("embedded-bench");
        store = JdbcStateStore.embedded(dir.resolve("state"));
        raw = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("raw.db"));
        try (Statement s = raw.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA synchronous = NORMAL");
            s.execute("CREATE TABLE counters (k TEXT NOT NULL PRIMARY KEY, n INTEGER NOT NULL) STRICT");
        }
        upsert = raw.prepareStatement(RAW_UPSERT);
    }

    /**
     * Closes both and deletes the files.
     *
     * @throws IOException if the files cannot be deleted
     * @throws SQLException if the raw connection cannot be closed
     */
    @TearDown
    public void tearDown() throws IOException, SQLException {
        store.close();
        upsert.close();
        raw.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * Increments a key through the embedded store.
     *
     * @return the new value, consumed by JMH
     */
    @Benchmark
    public long storeIncrement() {
        return store.increment("bench:embedded", 1L);
    }

    /**
     * Increments a key with the raw upsert: the baseline.
     *
     * @return the new value, consumed by JMH
     * @throws SQLException if the statement fails
     */
    @Benchmark
    public long rawUpsert() throws SQLException {
        upsert.setString(1, "bench:raw");
        try (ResultSet rs = upsert.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
