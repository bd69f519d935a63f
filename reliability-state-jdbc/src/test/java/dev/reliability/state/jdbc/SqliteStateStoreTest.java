package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.state.StateStore;
import dev.reliability.state.StateStoreException;
import dev.reliability.state.StateValue;
import dev.reliability.testing.ManualTimeSource;
import dev.reliability.testing.StateStoreContractTest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract suite on an SQLite file (the embedded default's engine) in client time, plus what is SQLite's own. */
class SqliteStateStoreTest extends StateStoreContractTest {
    @TempDir
    static Path dir;

    private static SqliteFile file;
    private static Tables tables;
    private String[] names;

    @BeforeAll
    static void openDatabase() {
        file = SqliteFile.open(dir.resolve("contract.db"));
        tables = new Tables(file);
    }

    @AfterAll
    static void closeDatabase() {
        tables.dropAll();
        file.close();
    }

    @Override
    protected StateStore createStore(ManualTimeSource time) {
        names = tables.next();
        return JdbcStateStore.builder(file)
                .valuesTable(names[0])
                .locksTable(names[1])
                .timeSource(time)
                .build();
    }

    @Override
    protected void disposeStore(StateStore store) {
        store.close();
        tables.drop(names);
    }

    @Test
    void detectsSqliteFromTheConnectionAndUsesClientTime() {
        JdbcStateStore jdbc = (JdbcStateStore) store;
        assertThat(jdbc.dialect()).isEqualTo(SqlDialect.SQLITE);
        assertThat(jdbc.timeMode()).isEqualTo(TimeMode.CLIENT);
        assertThat(SqlDialect.fromProductName("SQLite")).isEqualTo(SqlDialect.SQLITE);
    }

    @Test
    void aPlainSqliteUrlIsDetectedToo() {
        try (JdbcStateStore byUrl = JdbcStateStore.builderForUrl("jdbc:sqlite:" + dir.resolve("url.db"))
                .build()) {
            assertThat(byUrl.dialect()).isEqualTo(SqlDialect.SQLITE);
            assertThat(byUrl.increment("n", 2)).isEqualTo(2);
            assertThat(byUrl.increment("n", 3)).isEqualTo(5);
        }
    }

    @Test
    void anIncrementThatWouldOverflowFailsAndLeavesTheCounter() {
        // SQLite turns an overflowing integer sum into a REAL; the store must not.
        store.set("n", StateValue.of(Long.MAX_VALUE - 1));
        assertThat(store.increment("n", 1)).isEqualTo(Long.MAX_VALUE);
        assertThatThrownBy(() -> store.increment("n", 1))
                .isInstanceOfSatisfying(StateStoreException.class, e -> assertThat(e.kind())
                        .isEqualTo(StateStoreException.Kind.OVERFLOW));
        assertThat(store.get("n")).contains(StateValue.of(Long.MAX_VALUE));
    }

    @Test
    void hotOperationsAreOneStatementEach() {
        TestDataSources.Forwarding counted = TestDataSources.countingStatements(file);
        try (JdbcStateStore counting = JdbcStateStore.builder(counted)
                .valuesTable(names[0])
                .locksTable(names[1])
                .timeSource(time)
                .build()) {
            counting.set("s", StateValue.of("a"));
            counted.connections.set(0);

            assertThat(counting.append("s", "b😀", ",")).isEqualTo(4);
            assertThat(counting.append("new", "b", ",")).isEqualTo(1);
            assertThat(counting.increment("n", 1)).isEqualTo(1);
            assertThat(counting.increment("n", 1)).isEqualTo(2);
            counting.set("k", StateValue.of(true), Duration.ofMinutes(1));
            assertThat(counting.tryLock("free", "a", Duration.ofMinutes(1))).isTrue();
            assertThat(counting.tryLock("free", "b", Duration.ofMinutes(1))).isFalse();
            assertThat(counted.connections).hasValue(7);
        }
    }

    @Test
    void theTablesAreStrictAndTheFileIsInWalMode() throws Exception {
        store.set("n", StateValue.of(Long.MIN_VALUE));
        try (Connection c = file.getConnection();
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("wal");
            }
            try (ResultSet rs = s.executeQuery("SELECT typeof(num_value), num_value FROM " + names[0])) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("integer");
                assertThat(rs.getLong(2)).isEqualTo(Long.MIN_VALUE);
            }
            assertThatThrownBy(() -> s.execute("UPDATE " + names[0] + " SET num_value = 'text'"))
                    .hasMessageContaining("cannot store TEXT value in INTEGER column");
        }
    }
}
