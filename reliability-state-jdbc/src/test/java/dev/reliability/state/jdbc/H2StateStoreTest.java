package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.state.StateStore;
import dev.reliability.state.StateStoreException;
import dev.reliability.state.StateValue;
import dev.reliability.testing.ManualTimeSource;
import dev.reliability.testing.StateStoreContractTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract suite on an in-memory H2 database in client time, plus what is particular to the JDBC store. */
class H2StateStoreTest extends StateStoreContractTest {
    private static DataSource dataSource;
    private static Tables tables;
    private String[] names;

    @BeforeAll
    static void openDatabase() {
        dataSource = new UrlDataSource("jdbc:h2:mem:h2contract;DB_CLOSE_DELAY=-1");
        tables = new Tables(dataSource);
    }

    @AfterAll
    static void dropTables() {
        tables.dropAll();
    }

    @Override
    protected StateStore createStore(ManualTimeSource time) {
        names = tables.next();
        return JdbcStateStore.builder(dataSource)
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

    /** Another store on this test's tables, through {@code ds}. */
    private JdbcStateStore storeOn(DataSource ds) {
        return JdbcStateStore.builder(ds)
                .valuesTable(names[0])
                .locksTable(names[1])
                .timeSource(time)
                .build();
    }

    @Test
    void detectsH2AndUsesClientTime() {
        JdbcStateStore jdbc = (JdbcStateStore) store;
        assertThat(jdbc.dialect()).isEqualTo(SqlDialect.H2);
        assertThat(jdbc.timeMode()).isEqualTo(TimeMode.CLIENT);
        assertThat(jdbc.toString()).contains("h2", names[0], names[1]);
    }

    @Test
    void badTableNamesAreRejectedBeforeAnySqlRuns() {
        JdbcStateStore.Builder builder = JdbcStateStore.builder(TestDataSources.untouchable());
        for (String bad : List.of("kv; drop table x", "a-b", "", "t".repeat(64), "tåble", "1abc", "a.b.c", "a b")) {
            assertThatThrownBy(() -> builder.valuesTable(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> builder.locksTable(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> builder.valuesTable("a-b"))
                .hasMessage("valuesTable must be an SQL identifier of 1 to 63 ASCII letters, digits and underscores,"
                        + " optionally schema-qualified, was \"a-b\"");
        builder.valuesTable("t".repeat(63)).locksTable("public.locks_2");
    }

    @Test
    void theBuilderChecksItsArguments() {
        JdbcStateStore.Builder builder = JdbcStateStore.builder(TestDataSources.untouchable());
        assertThatThrownBy(() -> builder.queryTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.queryTimeout(Duration.ofDays(2))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.maxAttempts(0)).hasMessage("maxAttempts must be >= 1, was 0");
        assertThatThrownBy(() -> builder.maxValueBytes(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JdbcStateStore.builder(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.dialect(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void anUnknownDatabaseFailsAtBuildNamingTheSupportedOnes() {
        assertThatThrownBy(() -> JdbcStateStore.builder(TestDataSources.claiming(dataSource, "Oracle"))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'Oracle'")
                .hasMessageContaining("H2, PostgreSQL and MariaDB/MySQL");
    }

    @Test
    void theDialectIsDetectedFromTheProductName() {
        assertThat(SqlDialect.fromProductName("PostgreSQL")).isEqualTo(SqlDialect.POSTGRESQL);
        assertThat(SqlDialect.fromProductName("MariaDB")).isEqualTo(SqlDialect.MARIADB);
        assertThat(SqlDialect.fromProductName("MySQL")).isEqualTo(SqlDialect.MARIADB);
        assertThat(SqlDialect.fromProductName("H2")).isEqualTo(SqlDialect.H2);
        assertThatThrownBy(() -> SqlDialect.fromProductName(null)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anUnreachableDatabaseIsReportedAsUnavailable() {
        DataSource nowhere = new UrlDataSource("jdbc:h2:tcp://127.0.0.1:1/nothing");
        assertThatThrownBy(() ->
                        JdbcStateStore.builder(nowhere).dialect(SqlDialect.H2).build())
                .isInstanceOfSatisfying(StateStoreException.class, e -> {
                    assertThat(e.kind()).isEqualTo(StateStoreException.Kind.UNAVAILABLE);
                    assertThat(e.operation()).isEqualTo("build");
                    assertThat(e.store()).isEqualTo("h2");
                });
    }

    @Test
    void tablesAreCreatedWithTheConfiguredNamesAndTypedColumns() throws Exception {
        store.set("k", StateValue.ofMap(Map.of("a", StateValue.of(1L))));
        store.set("n", StateValue.of(Long.MAX_VALUE));
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT state_key, value_type, num_value, text_value, version FROM "
                        + names[0] + " ORDER BY state_key")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(2)).isEqualTo("map");
            assertThat(rs.getString(4)).isEqualTo("{\"a\":1}");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(2)).isEqualTo("long");
            assertThat(rs.getLong(3)).isEqualTo(Long.MAX_VALUE);
        }
    }

    @Test
    void everyConnectionIsClosedAlsoWhenAnOperationFails() {
        TestDataSources.Forwarding tracked = TestDataSources.tracking(dataSource);
        try (JdbcStateStore tracking = storeOn(tracked)) {
            tracking.set("s", StateValue.of("text"));
            assertThatThrownBy(() -> tracking.increment("s", 1)).isInstanceOf(StateStoreException.class);
            assertThatThrownBy(() -> tracking.append("s", "x".repeat(1 << 20), ""))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> tracking.listPush("s", StateValue.of(1L))).isInstanceOf(StateStoreException.class);
            tracking.increment("n", 1);
            assertThat(tracking.keys("*")).containsExactly("n", "s");
            assertThat(tracked.connections).hasValue(0);
        }
    }

    @Test
    void hotOperationsAreOneStatementEach() {
        TestDataSources.Forwarding counted = TestDataSources.countingStatements(dataSource);
        try (JdbcStateStore counting = storeOn(counted)) {
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
    void aBatchedReadIsOneStatementPer512Keys() {
        TestDataSources.Forwarding counted = TestDataSources.countingStatements(dataSource);
        try (JdbcStateStore counting = storeOn(counted)) {
            List<String> keys = new java.util.ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                keys.add("k" + i);
            }
            counting.set("k999", StateValue.of(1L));
            counting.set("k3", StateValue.of(2L), Duration.ofSeconds(1));
            time.advance(Duration.ofSeconds(1));
            counted.connections.set(0);

            assertThat(counting.getAllVersioned(keys)).containsOnlyKeys("k999");
            assertThat(counting.getAllVersioned(List.of("k999"))).containsOnlyKeys("k999");
            assertThat(counted.connections).hasValue(3);
        }
    }

    @Test
    void aCorruptRowIsReportedNotReturned() throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + names[0] + " VALUES ('bad', 'list', NULL, '{not json', 1, NULL, 0)");
        }
        assertThatThrownBy(() -> store.get("bad"))
                .isInstanceOfSatisfying(StateStoreException.class, e -> assertThat(e.kind())
                        .isEqualTo(StateStoreException.Kind.FAILED));
    }

    @Test
    void storesOnTheSameTablesShareState() {
        try (JdbcStateStore other = JdbcStateStore.builder(dataSource)
                .valuesTable(names[0])
                .locksTable(names[1])
                .timeSource(time)
                .build()) {
            store.increment("shared", 5);
            assertThat(other.increment("shared", 1)).isEqualTo(6);
            assertThat(store.tryLock("lock", "a", Duration.ofSeconds(5))).isTrue();
            assertThat(other.tryLock("lock", "b", Duration.ofSeconds(5))).isFalse();
        }
    }

    @Test
    void databaseTimeModeWorksOnH2() {
        try (JdbcStateStore dbTime = JdbcStateStore.builder(dataSource)
                .valuesTable(names[0])
                .locksTable(names[1])
                .timeMode(TimeMode.DATABASE)
                .build()) {
            dbTime.set("k", StateValue.of(1L), Duration.ofMinutes(1));
            assertThat(dbTime.getTtl("k")).hasValueSatisfying(ttl -> assertThat(ttl)
                    .isBetween(Duration.ofSeconds(50), Duration.ofMinutes(1)));
            assertThat(dbTime.tryLock("l", "a", Duration.ofMinutes(1))).isTrue();
            assertThat(dbTime.tryLock("l", "b", Duration.ofMinutes(1))).isFalse();
            assertThat(dbTime.compareAndSet("k", Optional.of(StateValue.of(1L)), StateValue.of(2L)))
                    .isTrue();
        }
    }

    @Test
    void theSchemaResourcesUseTheConfiguredNames() {
        for (SqlDialect dialect : SqlDialect.values()) {
            List<String> ddl = JdbcStateStore.schema(dialect, "app.KV", "app.kv_locks");
            assertThat(ddl).hasSize(dialect == SqlDialect.POSTGRESQL ? 4 : 2);
            assertThat(ddl.get(0)).startsWith("CREATE TABLE IF NOT EXISTS app.KV (");
            assertThat(ddl.get(1)).startsWith("CREATE TABLE IF NOT EXISTS app.kv_locks (");
        }
        List<String> trigger = JdbcStateStore.schema(SqlDialect.POSTGRESQL, "app.KV", "app.kv_locks");
        assertThat(trigger.get(2))
                .startsWith("DO $do$ BEGIN")
                .contains("CREATE FUNCTION app.reliability_notify_change()", "RETURN NULL;")
                .endsWith("END $do$");
        assertThat(trigger.get(3)).contains("ON app.KV", "EXECUTE FUNCTION app.reliability_notify_change('app.kv')");
    }

    @Test
    void longTableNamesGetAChannelPostgresAccepts() {
        String table = "s".repeat(63) + "." + "T".repeat(63);
        assertThat(PostgresWatch.channel(table))
                .hasSize(63)
                .startsWith("sss")
                .isEqualTo(PostgresWatch.channel(table.toLowerCase(java.util.Locale.ROOT)));
        assertThat(PostgresWatch.channel("App.Kv")).isEqualTo("app.kv");
    }

    @Test
    void h2CannotPushSoAWatchIsEmpty() {
        assertThat(store.watch("", new IgnoredChanges())).isEmpty();
    }
}
