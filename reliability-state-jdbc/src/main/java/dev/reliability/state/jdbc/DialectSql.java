package dev.reliability.state.jdbc;

/**
 * The SQL of one dialect, compiled once per store for its table names and time mode. The statements that every
 * dialect shares are here; {@link H2Sql}, {@link PostgresSql}, {@link MariaDbSql} and
 * {@link SqliteSql} add the upserts, which differ.
 *
 * <p>Columns of the values table: {@code state_key}, {@code value_type} ({@code long}, {@code string}, {@code double},
 * {@code boolean}, {@code list}, {@code map}), {@code num_value} (a {@code long}, exact), {@code text_value} (a string,
 * or the JSON of any other type), {@code version}, {@code expires_at_ms} (null for never) and {@code updated_at_ms}.
 */
abstract class DialectSql {
    /**
     * The most keys one batched read binds: 512, plus one parameter for the time in client mode. Every dialect accepts
     * that many (SQLite's old default limit, 999 parameters, is the lowest), and 512 keys of 255 characters keep the
     * statement well under a megabyte.
     */
    static final int MAX_BATCH = 512;

    final SqlTemplate select;
    final SqlTemplate setForever;
    final SqlTemplate setExpiring;
    final SqlTemplate increment;
    /** Null when the dialect has no single-statement append that reports the new length. */
    final SqlTemplate append;

    final SqlTemplate insertRow;
    final SqlTemplate updateByVersion;
    final SqlTemplate compareAndSetVersion;
    final SqlTemplate deleteLive;
    final SqlTemplate keys;
    final SqlTemplate purgeExpired;
    final SqlTemplate setTtl;
    /** Null when the dialect takes a lock in two steps (insert, then take over an expired one). */
    final SqlTemplate lockAcquire;

    final SqlTemplate lockInsert;
    final SqlTemplate lockTakeOver;
    final SqlTemplate lockExtend;
    final SqlTemplate lockRelease;

    private final String values;
    private final String locks;
    private final TimeMode mode;
    /** Batched reads by size class, built when first needed: index i binds 2^i keys. */
    private final SqlTemplate[] selectMany = new SqlTemplate[Integer.numberOfTrailingZeros(MAX_BATCH) + 1];

    DialectSql(String values, String locks, TimeMode mode) {
        this.values = values;
        this.locks = locks;
        this.mode = mode;
        select = compile(
                "SELECT value_type, num_value, text_value, version, expires_at_ms, {now} FROM {values} WHERE state_key = ?",
                values,
                locks,
                mode);
        setForever = compile(setSql(false), values, locks, mode);
        setExpiring = compile(setSql(true), values, locks, mode);
        increment = compile(incrementSql(), values, locks, mode);
        String appendSql = appendSql();
        append = appendSql == null ? null : compile(appendSql, values, locks, mode);
        insertRow = compile(
                "INSERT INTO {values} (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
                        + " VALUES (?, ?, ?, ?, 1, ?, {now})",
                values,
                locks,
                mode);
        updateByVersion = compile(
                "UPDATE {values} SET value_type = ?, num_value = ?, text_value = ?, version = version + 1,"
                        + " expires_at_ms = ?, updated_at_ms = {now} WHERE state_key = ? AND version = ?",
                values,
                locks,
                mode);
        compareAndSetVersion = compile(
                "UPDATE {values} SET value_type = ?, num_value = ?, text_value = ?, version = version + 1,"
                        + " expires_at_ms = NULL, updated_at_ms = {now} WHERE state_key = ? AND version = ? AND {live}",
                values,
                locks,
                mode);
        deleteLive = compile("DELETE FROM {values} WHERE state_key = ? AND {live}", values, locks, mode);
        keys = compile(
                "SELECT state_key FROM {values} WHERE " + prefixCondition() + " AND {live}", values, locks, mode);
        purgeExpired = compile(
                "DELETE FROM {values} WHERE " + prefixCondition() + " AND expires_at_ms <= {now}", values, locks, mode);
        // The WHERE clause is evaluated before any assignment, so MariaDB's left-to-right SET does not matter here.
        setTtl = compile(
                "UPDATE {values} SET expires_at_ms = {expires}, version = version + 1, updated_at_ms = {now}"
                        + " WHERE state_key = ? AND {live}",
                values,
                locks,
                mode);
        String lockSql = lockAcquireSql();
        lockAcquire = lockSql == null ? null : compile(lockSql, values, locks, mode);
        lockInsert = compile(
                "INSERT INTO {locks} (lock_name, owner, expires_at_ms) VALUES (?, ?, {expires})", values, locks, mode);
        lockTakeOver = compile(
                "UPDATE {locks} SET owner = ?, expires_at_ms = {expires} WHERE lock_name = ? AND expires_at_ms <= {now}",
                values,
                locks,
                mode);
        lockExtend = compile(
                "UPDATE {locks} SET expires_at_ms = {expires} WHERE lock_name = ? AND owner = ? AND expires_at_ms > {now}",
                values,
                locks,
                mode);
        lockRelease = compile(
                "DELETE FROM {locks} WHERE lock_name = ? AND owner = ? AND expires_at_ms > {now}", values, locks, mode);
    }

    /**
     * The condition {@link #keys} and {@link #purgeExpired} narrow the rows with, before the glob decides in Java: a
     * {@code LIKE} on the key's literal prefix. It binds {@link #prefixArguments(String)}.
     */
    String prefixCondition() {
        return "state_key LIKE ? ESCAPE '!'";
    }

    /** The values {@link #prefixCondition()} binds for the glob's literal {@code prefix}. */
    Object[] prefixArguments(String prefix) {
        StringBuilder like = new StringBuilder();
        for (int i = 0; i < prefix.length(); i++) {
            char ch = prefix.charAt(i);
            if (ch == '!' || ch == '%' || ch == '_') {
                like.append('!');
            }
            like.append(ch);
        }
        return new Object[] {like.append('%').toString()};
    }

    /**
     * Returns the batched read for up to {@code count} keys: the columns of {@link #select} after the key. It binds
     * {@link #selectManySize(int)} keys, so a few statement shapes serve every size (and stay in the drivers' statement
     * caches); the caller repeats a key to fill the list, which the {@code IN} ignores.
     */
    SqlTemplate selectMany(int count) {
        int slot = Integer.numberOfTrailingZeros(selectManySize(count));
        synchronized (selectMany) {
            if (selectMany[slot] == null) {
                StringBuilder in = new StringBuilder("?");
                for (int i = 1; i < 1 << slot; i++) {
                    in.append(", ?");
                }
                selectMany[slot] = compile(
                        "SELECT state_key, value_type, num_value, text_value, version, expires_at_ms, {now}"
                                + " FROM {values} WHERE state_key IN (" + in + ")",
                        values,
                        locks,
                        mode);
            }
            return selectMany[slot];
        }
    }

    /** The number of keys {@link #selectMany(int)} binds for {@code count} keys: the next power of two. */
    static int selectManySize(int count) {
        return Integer.highestOneBit(Math.max(1, count) * 2 - 1);
    }

    static DialectSql of(SqlDialect dialect, String values, String locks, TimeMode mode) {
        return switch (dialect) {
            case H2 -> new H2Sql(values, locks, mode);
            case POSTGRESQL -> new PostgresSql(values, locks, mode);
            case SQLITE -> new SqliteSql(values, locks, mode);
            default -> new MariaDbSql(values, locks, mode);
        };
    }

    /** The database's current time in epoch milliseconds, evaluated per statement. */
    abstract String nowExpression();

    /** A bound BIGINT parameter, cast where the dialect cannot infer its type. */
    abstract String bigintParameter();

    /**
     * Sets a key's value, type and expiry; bound: key, type, number, text ({@code {expires}} when {@code expiring}).
     */
    abstract String setSql(boolean expiring);

    /**
     * Adds to a {@code long} counter, inserting it at the delta if absent or expired; bound: key, delta. Returns one
     * row (value_type, num_value) when applied, and no row or a row whose type is not {@code long} when the stored
     * value is not a {@code long}.
     */
    abstract String incrementSql();

    /**
     * Appends text, bound by {@link #appendValues}. Returns one row (value_type, new length in code points) when
     * applied, and no row, a row whose type is not {@code string} or a NULL length otherwise; or null for no such
     * statement.
     */
    String appendSql() {
        return null;
    }

    /** Whether {@link #appendSql()} returns the new text instead of its length in code points. */
    boolean appendReturnsText() {
        return false;
    }

    /**
     * The values bound to {@link #appendSql()}.
     *
     * @param addedBytes the UTF-8 bytes the separator and text add to an existing value
     * @param maxBytes the size limit
     * @param textLength the text's length in code points
     * @param addedLength the code points the separator and text add
     */
    Object[] appendValues(
            String key,
            String text,
            String separator,
            long addedBytes,
            long maxBytes,
            long textLength,
            long addedLength) {
        return new Object[] {key, text, separator, addedBytes, maxBytes};
    }

    /** Takes a lock that is free or expired; bound: name, owner. Updates one row when taken; or null. */
    String lockAcquireSql() {
        return null;
    }

    private SqlTemplate compile(String source, String values, String locks, TimeMode mode) {
        String sql = source.replace("{values}", values).replace("{locks}", locks);
        return SqlTemplate.compile(sql, mode, nowExpression(), bigintParameter());
    }
}
