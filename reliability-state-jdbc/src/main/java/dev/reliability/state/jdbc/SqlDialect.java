package dev.reliability.state.jdbc;

import java.util.Locale;

/** The databases {@link JdbcStateStore} speaks to, each with its own atomic SQL. */
public enum SqlDialect {
    /** H2 2.x, embedded or server. */
    H2("h2"),
    /** PostgreSQL 12 or later. */
    POSTGRESQL("postgresql"),
    /** MariaDB 10.5 or later (and MySQL through the same SQL where it is compatible). */
    MARIADB("mariadb"),
    /** SQLite 3.35 or later (the embedded default), through the {@code org.xerial:sqlite-jdbc} driver. */
    SQLITE("sqlite");

    private final String id;

    SqlDialect(String id) {
        this.id = id;
    }

    /**
     * Whether the database runs inside the JVM, with no server clock: TTLs are then judged by the store's time source
     * ({@link TimeMode#CLIENT}) unless the builder says otherwise.
     */
    boolean embedded() {
        return this == H2 || this == SQLITE;
    }

    /**
     * Returns the short lowercase name used in error messages and schema resources, such as {@code "postgresql"}.
     *
     * @return the name
     */
    public String id() {
        return id;
    }

    /**
     * Returns the dialect for a JDBC product name, as {@code DatabaseMetaData.getDatabaseProductName()} reports it.
     *
     * @param productName the product name
     * @return the dialect
     * @throws IllegalStateException if the database is not supported; the message names the supported ones
     */
    static SqlDialect fromProductName(String productName) {
        String name = productName == null ? "" : productName.toLowerCase(Locale.ROOT);
        if (name.startsWith("h2")) {
            return H2;
        }
        if (name.contains("postgresql")) {
            return POSTGRESQL;
        }
        if (name.contains("mariadb") || name.contains("mysql")) {
            return MARIADB;
        }
        if (name.equals("sqlite")) {
            return SQLITE;
        }
        throw new IllegalStateException(
                "unsupported database '" + productName
                        + "'; JdbcStateStore supports SQLite, H2, PostgreSQL and MariaDB/MySQL (or set the dialect explicitly)");
    }
}
