package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** Time and faults on MariaDB: {@code KILL CONNECTION}, statement timeouts, and the strict-mode check. */
class MariaDbFaultIT extends ServerFaultTests {
    @Override
    ServerDatabase database() {
        return ServerDatabase.MARIADB;
    }

    @Override
    String backendsSql(String table, boolean waitingOnLock) {
        // The lock holder is idle (command 'Sleep'), so any running statement on the table is the blocked one.
        return "SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND command = 'Query'"
                + " AND info LIKE '%" + table + "%'";
    }

    @Override
    void kill(Connection admin, long id) throws SQLException {
        try (Statement s = admin.createStatement()) {
            s.execute("KILL CONNECTION " + id);
        }
    }

    @Override
    String backendIdSql() {
        return "SELECT CONNECTION_ID()";
    }

    @Override
    String oneSecondLockTimeoutSql() {
        return "SET SESSION innodb_lock_wait_timeout = 1";
    }

    @Test
    void detectsMariaDbAndUsesDatabaseTime() {
        assertThat(store.dialect()).isEqualTo(SqlDialect.MARIADB);
        assertThat(store.timeMode()).isEqualTo(TimeMode.DATABASE);
    }

    @Test
    void mariaDbCannotPushSoAWatchIsEmpty() {
        assertThat(store.watch("", new IgnoredChanges())).isEmpty();
    }

    @Test
    void aNonStrictSqlModeRefusesToStart() {
        String url = database().url();
        String lenient = url + (url.contains("?") ? "&" : "?") + "sessionVariables=sql_mode=''";
        assertThatThrownBy(() -> builder(database().dataSource(lenient)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("MariaDB sql_mode must include STRICT_TRANS_TABLES or STRICT_ALL_TABLES");
    }
}
