package dev.reliability.state.jdbc;

/**
 * SQLite: the {@link OnConflictSql} upserts. SQLite turns an integer sum that overflows into a REAL instead of failing,
 * so an increment applies only while the sum is still an integer; otherwise it returns no row, and the store reports
 * the overflow from Java. There is no server, so TTLs are judged by the store's time source unless the builder asks
 * for {@link TimeMode#DATABASE}.
 */
final class SqliteSql extends OnConflictSql {
    SqliteSql(String values, String locks, TimeMode mode) {
        super(values, locks, mode);
    }

    @Override
    String nowExpression() {
        // 'now' is fixed for the duration of one statement.
        return "CAST(unixepoch('subsec') * 1000 AS INTEGER)";
    }

    @Override
    String bigintParameter() {
        return "?";
    }

    @Override
    String incrementApplies() {
        return EXPIRED_T + " OR (t.value_type = 'long' AND typeof(t.num_value + EXCLUDED.num_value) = 'integer')";
    }
}
