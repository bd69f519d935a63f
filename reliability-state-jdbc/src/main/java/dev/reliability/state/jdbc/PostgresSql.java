package dev.reliability.state.jdbc;

/**
 * PostgreSQL: the {@link OnConflictSql} upserts. Time is {@code clock_timestamp()}, not {@code now()}, which would be
 * the start of a caller's transaction that the statement may run in.
 */
final class PostgresSql extends OnConflictSql {
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
}
