/**
 * {@link dev.reliability.state.jdbc.JdbcStateStore}: state that outlives the process and can be shared by several JVMs
 * through a database. One table holds values and one holds locks; every operation is an atomic statement (or a
 * compare-and-set on a version), on a connection taken from the user's {@code DataSource} for that operation only. On
 * PostgreSQL, a watch holds one connection of its own to receive the notifications of a trigger on the values table.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless the documentation says so.
 */
package dev.reliability.state.jdbc;
