package dev.reliability.state.jdbc;

/**
 * {@code INSERT ... ON CONFLICT DO UPDATE ... RETURNING} upserts, which PostgreSQL and SQLite share. SET expressions
 * read the old row, and the statement time is taken once, through {@code EXCLUDED.updated_at_ms}; {@code length}
 * counts code points on both.
 */
abstract class OnConflictSql extends DialectSql {
    private static final String LIVE_T = "(t.expires_at_ms IS NULL OR t.expires_at_ms > EXCLUDED.updated_at_ms)";
    /** The old row has expired, so an upsert replaces it whatever its type. */
    static final String EXPIRED_T = "t.expires_at_ms <= EXCLUDED.updated_at_ms";

    OnConflictSql(String values, String locks, TimeMode mode) {
        super(values, locks, mode);
    }

    /** When the increment applies to an existing row: the condition of its {@code DO UPDATE}. */
    String incrementApplies() {
        return "t.value_type = 'long' OR " + EXPIRED_T;
    }

    @Override
    final String setSql(boolean expiring) {
        return "INSERT INTO {values} AS t"
                + " (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
                + " VALUES (?, ?, ?, ?, 1, " + (expiring ? "{expires}" : "NULL") + ", {now})"
                + " ON CONFLICT (state_key) DO UPDATE SET value_type = EXCLUDED.value_type,"
                + " num_value = EXCLUDED.num_value, text_value = EXCLUDED.text_value, version = t.version + 1,"
                + " expires_at_ms = EXCLUDED.expires_at_ms, updated_at_ms = EXCLUDED.updated_at_ms";
    }

    @Override
    final String incrementSql() {
        return "INSERT INTO {values} AS t"
                + " (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
                + " VALUES (?, 'long', ?, NULL, 1, NULL, {now})"
                + " ON CONFLICT (state_key) DO UPDATE SET"
                + " num_value = CASE WHEN " + LIVE_T + " THEN t.num_value + EXCLUDED.num_value"
                + " ELSE EXCLUDED.num_value END,"
                + " expires_at_ms = CASE WHEN " + LIVE_T + " THEN t.expires_at_ms ELSE NULL END,"
                + " version = t.version + 1, value_type = 'long', text_value = NULL,"
                + " updated_at_ms = EXCLUDED.updated_at_ms"
                + " WHERE " + incrementApplies()
                + " RETURNING value_type, num_value";
    }

    @Override
    final String appendSql() {
        return "INSERT INTO {values} AS t"
                + " (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
                + " VALUES (?, 'string', NULL, ?, 1, NULL, {now})"
                + " ON CONFLICT (state_key) DO UPDATE SET"
                + " text_value = CASE WHEN " + LIVE_T + " THEN t.text_value || CAST(? AS TEXT) || EXCLUDED.text_value"
                + " ELSE EXCLUDED.text_value END,"
                + " expires_at_ms = CASE WHEN " + LIVE_T + " THEN t.expires_at_ms ELSE NULL END,"
                + " version = t.version + 1, value_type = 'string', num_value = NULL,"
                + " updated_at_ms = EXCLUDED.updated_at_ms"
                + " WHERE (t.value_type = 'string' AND octet_length(t.text_value) + " + bigintParameter() + " <= "
                + bigintParameter() + ") OR " + EXPIRED_T
                + " RETURNING value_type, length(text_value)";
    }

    @Override
    final String lockAcquireSql() {
        return "INSERT INTO {locks} AS l (lock_name, owner, expires_at_ms) VALUES (?, ?, {expires})"
                + " ON CONFLICT (lock_name) DO UPDATE SET owner = EXCLUDED.owner,"
                + " expires_at_ms = EXCLUDED.expires_at_ms WHERE l.expires_at_ms <= {now}";
    }
}
