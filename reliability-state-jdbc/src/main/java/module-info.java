/**
 * A {@link dev.reliability.state.StateStore} on JDBC: an SQLite file (the embedded default), PostgreSQL, MariaDB/MySQL
 * and H2.
 */
@SuppressWarnings("requires-automatic") // the PostgreSQL driver is an automatic module
module dev.reliability.state.jdbc {
    requires transitive java.sql;
    requires transitive dev.reliability.core;
    requires com.zaxxer.hikari;
    // Only for push on PostgreSQL; the store runs without the driver on the other databases.
    requires static org.postgresql.jdbc;

    exports dev.reliability.state.jdbc;
}
