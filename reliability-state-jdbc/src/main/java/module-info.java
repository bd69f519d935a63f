/**
 * A {@link dev.reliability.state.StateStore} on JDBC: an SQLite file (the embedded default), PostgreSQL, MariaDB/MySQL
 * and H2.
 */
module dev.reliability.state.jdbc {
    requires transitive java.sql;
    requires transitive dev.reliability.core;

    exports dev.reliability.state.jdbc;
}
