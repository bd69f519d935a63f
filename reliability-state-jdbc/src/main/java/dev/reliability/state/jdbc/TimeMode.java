package dev.reliability.state.jdbc;

/** Which clock {@link JdbcStateStore} judges TTLs and lock expiry by. */
public enum TimeMode {
    /**
     * The database's statement time ({@code clock_timestamp()} on PostgreSQL, {@code NOW(3)} on MariaDB): one clock for
     * every JVM that shares the database, so skewed JVM clocks change nothing. The default on server databases.
     */
    DATABASE,
    /**
     * The store's {@code TimeSource} wall clock ({@code instant()}). The default on SQLite and H2, and the mode for virtual-time
     * tests; every JVM sharing the database must then have a synchronised clock.
     */
    CLIENT
}
