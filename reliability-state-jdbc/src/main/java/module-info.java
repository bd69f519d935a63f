/** A {@link dev.reliability.state.StateStore} on JDBC: H2 (the embedded default), PostgreSQL and MariaDB/MySQL. */
module dev.reliability.state.jdbc {
    requires transitive java.sql;
    requires transitive dev.reliability.core;
    requires com.zaxxer.hikari;

    exports dev.reliability.state.jdbc;
}
