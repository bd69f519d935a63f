package dev.reliability.state.jdbc;

/**
 * PostgreSQL: {@code INSERT ... ON CONFLICT DO UPDATE} upserts. SET expressions read the old row, and the statement
 * time is taken once, through {@code EXCLUDED.updated_at_ms}. Time is {@code clock_timestamp()}, not {@code now()},
 * which would be the start of a caller's transaction that the statement may run in.
 */
final class PostgresSql extends DialectSql {
    private static final String LIVE_T = "(t.expires_at_ms IS NULL OR t.expires_at_ms > EXCLUDED.updated_at_ms)";

    PostgresSql(String values, String locks, TimeMode mode) {
        super(values, locks, mode);
    }

    @Override
    String nowExpression() {
        return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
    }

    @Override
    String bigintParameter() {
        return "CAST(? AS BIGINT)";
    }

    @Override
    String setSql(boolean expiring) {
        return "INSERT INTO {values} AS t"
                + " (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
                + " VALUES (?, ?, ?, ?, 1, " + (expiring ? "{expires}" : "NULL") + ", {now})"
                + " ON CONFLICT (state_key) DO UPDATE SET value_type = EXCLUDED.value_type,"
                + " num_value = EXCLUDED.num_value, text_value = EXCLUDED.text_value, version = t.version + 1,"
                + " expires_at_ms = EXCLUDED.expires_at_ms, updated_at_ms = EXCLUDED.updated_at_ms";
    }

    @Override
    String incrementSql() {
        return "INSERT INTO {values} AS t"
                + " (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
                + " VALUES (?, 'long', ?, NULL, 1, NULL, {now})"
                + " ON CONFLICT (state_key) DO UPDATE SET"
                + " num_value = CASE WHEN " + LIVE_T + " THEN t.num_value + EXCLUDED.num_value"
                + " ELSE EXCLUDED.num_value END,"
                + " expires_at_ms = CASE WHEN " + LIVE_T + " THEN t.expires_at_ms ELSE NULL END,"
                + " version = t.version + 1, value_type = 'long', text_value = NULL,"
                + " updated_at_ms = EXCLUDED.updated_at_ms"
                + " WHERE t.value_type = 'long' OR t.expires_at_ms <= EXCLUDED.updated_at_ms"
                + " RETURNING value_type, num_value";
    }

    @Override
    String appendSql() {
        return "INSERT INTO {values} AS t"
                + " (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
                + " VALUES (?, 'string', NULL, ?, 1, NULL, {now})"
                + " ON CONFLICT (state_key) DO UPDATE SET"
                + " text_value = CASE WHEN " + LIVE_T + " THEN t.text_value || CAST(? AS TEXT) || EXCLUDED.text_value"
                + " ELSE EXCLUDED.text_value END,"
                + " expires_at_ms = CASE WHEN " + LIVE_T + " THEN t.expires_at_ms ELSE NULL END,"
                + " version = t.version + 1, value_type = 'string', num_value = NULL,"
                + " updated_at_ms = EXCLUDED.updated_at_ms"
                + " WHERE (t.value_type = 'string' AND octet_length(t.text_value) + CAST(? AS BIGINT) <= CAST(? AS BIGINT))"
                + " OR t.expires_at_ms <= EXCLUDED.updated_at_ms"
                + " RETURNING value_type, char_length(text_value)";
    }

    @Override
    String lockAcquireSql() {
        return "INSERT INTO {locks} AS l (lock_name, owner, expires_at_ms) VALUES (?, ?, {expires})"
                + " ON CONFLICT (lock_name) DO UPDATE SET owner = EXCLUDED.owner,"
                + " expires_at_ms = EXCLUDED.expires_at_ms WHERE l.expires_at_ms <= {now}";
    }
}
