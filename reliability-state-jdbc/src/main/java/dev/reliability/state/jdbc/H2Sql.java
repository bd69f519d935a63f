package dev.reliability.state.jdbc;

/**
 * H2: {@code MERGE ... USING} upserts, read back through {@code FINAL TABLE}. Two sessions that both find no row both
 * insert, and the loser fails with 23505 instead of updating; the store runs such a statement again.
 */
final class H2Sql extends DialectSql {
    private static final String LIVE_T = "(t.expires_at_ms IS NULL OR t.expires_at_ms > s.now)";

    H2Sql(String values, String locks, TimeMode mode) {
        super(values, locks, mode);
    }

    @Override
    String nowExpression() {
        return "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) * 1000 AS BIGINT)";
    }

    @Override
    String bigintParameter() {
        return "CAST(? AS BIGINT)";
    }

    @Override
    String setSql(boolean expiring) {
        return "MERGE INTO {values} t USING (VALUES (CAST(? AS VARCHAR(255)), CAST(? AS VARCHAR(8)),"
                + " CAST(? AS BIGINT), CAST(? AS CHARACTER LARGE OBJECT), "
                + (expiring ? "{expires}" : "CAST(NULL AS BIGINT)") + ", {now})) AS s(k, ty, n, x, e, now)"
                + " ON t.state_key = s.k"
                + " WHEN MATCHED THEN UPDATE SET value_type = s.ty, num_value = s.n, text_value = s.x,"
                + " version = t.version + 1, expires_at_ms = s.e, updated_at_ms = s.now"
                + " WHEN NOT MATCHED THEN INSERT"
                + " (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
                + " VALUES (s.k, s.ty, s.n, s.x, 1, s.e, s.now)";
    }

    @Override
    String incrementSql() {
        return "SELECT value_type, num_value FROM FINAL TABLE (MERGE INTO {values} t USING (VALUES"
                + " (CAST(? AS VARCHAR(255)), CAST(? AS BIGINT), {now})) AS s(k, d, now) ON t.state_key = s.k"
                + " WHEN MATCHED AND (t.value_type = 'long' OR t.expires_at_ms <= s.now) THEN UPDATE SET"
                + " num_value = CASE WHEN " + LIVE_T + " THEN t.num_value + s.d ELSE s.d END,"
                + " expires_at_ms = CASE WHEN " + LIVE_T + " THEN t.expires_at_ms ELSE NULL END,"
                + " version = t.version + 1, value_type = 'long', text_value = NULL, updated_at_ms = s.now"
                + " WHEN NOT MATCHED THEN INSERT"
                + " (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
                + " VALUES (s.k, 'long', s.d, NULL, 1, NULL, s.now))";
    }

    @Override
    String appendSql() {
        // H2's CHAR_LENGTH counts UTF-16 units, so the statement returns the text and the store counts code points;
        // H2 runs in the JVM, so that costs a copy, not a network transfer.
        return "SELECT value_type, text_value FROM FINAL TABLE (MERGE INTO {values} t USING (VALUES"
                + " (CAST(? AS VARCHAR(255)), CAST(? AS CHARACTER LARGE OBJECT), {now})) AS s(k, x, now)"
                + " ON t.state_key = s.k"
                + " WHEN MATCHED AND ((t.value_type = 'string'"
                + " AND OCTET_LENGTH(t.text_value) + CAST(? AS BIGINT) <= CAST(? AS BIGINT))"
                + " OR t.expires_at_ms <= s.now) THEN UPDATE SET"
                + " text_value = CASE WHEN " + LIVE_T + " THEN t.text_value || CAST(? AS CHARACTER LARGE OBJECT) || s.x"
                + " ELSE s.x END,"
                + " expires_at_ms = CASE WHEN " + LIVE_T + " THEN t.expires_at_ms ELSE NULL END,"
                + " version = t.version + 1, value_type = 'string', num_value = NULL, updated_at_ms = s.now"
                + " WHEN NOT MATCHED THEN INSERT"
                + " (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
                + " VALUES (s.k, 'string', NULL, s.x, 1, NULL, s.now))";
    }

    @Override
    Object[] appendValues(
            String key,
            String text,
            String separator,
            long addedBytes,
            long maxBytes,
            long textLength,
            long addedLength) {
        return new Object[] {key, text, addedBytes, maxBytes, separator};
    }

    @Override
    boolean appendReturnsText() {
        return true;
    }

    @Override
    String lockAcquireSql() {
        return "MERGE INTO {locks} l USING (VALUES (CAST(? AS VARCHAR(255)), CAST(? AS VARCHAR(255)),"
                + " {expires}, {now})) AS s(n, o, e, now) ON l.lock_name = s.n"
                + " WHEN MATCHED AND l.expires_at_ms <= s.now THEN UPDATE SET owner = s.o, expires_at_ms = s.e"
                + " WHEN NOT MATCHED THEN INSERT (lock_name, owner, expires_at_ms) VALUES (s.n, s.o, s.e)";
    }
}
