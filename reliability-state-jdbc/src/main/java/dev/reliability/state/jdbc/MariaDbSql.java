package dev.reliability.state.jdbc;

/**
 * MariaDB: {@code INSERT ... ON DUPLICATE KEY UPDATE ... RETURNING}. On a string row, {@code num_value} holds the
 * length in code points after the last append, or NULL; nothing else reads it. MariaDB evaluates the assignments left to right,
 * and each one sees the columns already assigned, so the order below is part of the logic: every condition reads only
 * columns that are still old, or that were changed in a way that keeps the condition's value.
 *
 * <p>Connector/J reports found rows, not changed rows, for an upsert, so a lock is taken in two steps (insert, then
 * take over an expired holder) and plain {@code UPDATE}s, whose found rows are exactly their matches, do the rest.
 */
final class MariaDbSql extends DialectSql {
    /** The old row is a long counter, or expired: the increment applies. */
    private static final String APPLIES = "(value_type = 'long' OR expires_at_ms <= VALUES(updated_at_ms))";

    private static final String LIVE = "(expires_at_ms IS NULL OR expires_at_ms > VALUES(updated_at_ms))";

    /** The old row is a string with room for the bytes added, or expired: the append applies. */
    private static final String APPENDS = "((value_type = 'string' AND OCTET_LENGTH(text_value) + CAST(? AS SIGNED)"
            + " <= CAST(? AS SIGNED)) OR expires_at_ms <= VALUES(updated_at_ms))";

    /** After the first four assignments of the append: it applied (num_value then holds the new length). */
    private static final String APPENDED = "(value_type = 'string' AND num_value IS NOT NULL)";

    MariaDbSql(String values, String locks, TimeMode mode) {
        super(values, locks, mode);
    }

    @Override
    String nowExpression() {
        return "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)";
    }

    @Override
    String bigintParameter() {
        return "CAST(? AS SIGNED)";
    }

    /**
     * A range on the key, not {@code LIKE}: MariaDB 10.11 misses rows when an index range scan serves a {@code LIKE}
     * prefix and the key goes on with a character beyond U+FFFF ({@code 'b%'} does not find {@code 'b😀'}), or when
     * the prefix ends in a space. Keys compare by code point ({@code utf8mb4_nopad_bin}), so the keys that start with
     * a prefix are exactly those from the prefix up to {@link #nextPrefix(String)}; the index serves the range.
     */
    @Override
    String prefixCondition() {
        return "state_key >= ? AND (? IS NULL OR state_key < ?)";
    }

    @Override
    Object[] prefixArguments(String prefix) {
        String next = nextPrefix(prefix);
        return new Object[] {prefix, next, next};
    }

    /**
     * The least string, in code point order, above every string that starts with {@code prefix}, or null when there
     * is none (an empty prefix, or one made of U+10FFFF only). Keys hold no lone surrogates, so none is produced.
     */
    static String nextPrefix(String prefix) {
        int end = prefix.length();
        while (end > 0) {
            int last = prefix.codePointBefore(end);
            int start = end - Character.charCount(last);
            if (last < Character.MAX_CODE_POINT) {
                int next = last + 1 == Character.MIN_SURROGATE ? Character.MAX_SURROGATE + 1 : last + 1;
                return new StringBuilder(start + 2)
                        .append(prefix, 0, start)
                        .appendCodePoint(next)
                        .toString();
            }
            end = start;
        }
        return null;
    }

    @Override
    String setSql(boolean expiring) {
        return "INSERT INTO {values}"
                + " (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
                + " VALUES (?, ?, ?, ?, 1, " + (expiring ? "{expires}" : "NULL") + ", {now})"
                + " ON DUPLICATE KEY UPDATE value_type = VALUES(value_type), num_value = VALUES(num_value),"
                + " text_value = VALUES(text_value), version = version + 1,"
                + " expires_at_ms = VALUES(expires_at_ms), updated_at_ms = VALUES(updated_at_ms)";
    }

    @Override
    String incrementSql() {
        // Order matters. num_value, version and text_value read the old type and expiry. value_type becomes 'long'
        // exactly when APPLIES held, so APPLIES keeps its value for updated_at_ms and expires_at_ms, which come last
        // because LIVE reads the old expiry.
        return "INSERT INTO {values}"
                + " (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
                + " VALUES (?, 'long', ?, NULL, 1, NULL, {now})"
                + " ON DUPLICATE KEY UPDATE"
                + " num_value = IF(" + APPLIES + ", IF(" + LIVE + ", num_value + VALUES(num_value),"
                + " VALUES(num_value)), num_value),"
                + " version = IF(" + APPLIES + ", version + 1, version),"
                + " text_value = IF(" + APPLIES + ", NULL, text_value),"
                + " value_type = IF(" + APPLIES + ", 'long', value_type),"
                + " updated_at_ms = IF(" + APPLIES + ", VALUES(updated_at_ms), updated_at_ms),"
                + " expires_at_ms = IF(" + APPLIES + ", IF(" + LIVE + ", expires_at_ms, NULL), expires_at_ms)"
                + " RETURNING value_type, num_value";
    }

    @Override
    String appendSql() {
        // APPENDS reads value_type, text_value and expires_at_ms, so it may be evaluated only while all three are
        // old: for num_value, version, updated_at_ms and value_type (which it reads itself, before assigning it).
        // num_value then records the outcome for the rest of the statement and for RETURNING: the new length in code
        // points if the append applied, NULL on a string it did not apply to (a non-string keeps its type, which
        // says enough). text_value and expires_at_ms test that record, and LIVE still reads the old expiry.
        return "INSERT INTO {values}"
                + " (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
                + " VALUES (?, 'string', ?, ?, 1, NULL, {now})"
                + " ON DUPLICATE KEY UPDATE"
                + " num_value = IF(" + APPENDS + ", IF(" + LIVE + ", CHAR_LENGTH(text_value) + CAST(? AS SIGNED),"
                + " VALUES(num_value)), IF(value_type = 'string', NULL, num_value)),"
                + " version = IF(" + APPENDS + ", version + 1, version),"
                + " updated_at_ms = IF(" + APPENDS + ", VALUES(updated_at_ms), updated_at_ms),"
                + " value_type = IF(" + APPENDS + ", 'string', value_type),"
                + " text_value = IF(" + APPENDED + ", IF(" + LIVE + ", CONCAT(text_value, ?, VALUES(text_value)),"
                + " VALUES(text_value)), text_value),"
                + " expires_at_ms = IF(" + APPENDED + ", IF(" + LIVE + ", expires_at_ms, NULL), expires_at_ms)"
                + " RETURNING value_type, num_value";
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
        return new Object[] {
            key,
            textLength,
            text, // VALUES
            addedBytes,
            maxBytes,
            addedLength, // num_value
            addedBytes,
            maxBytes, // version
            addedBytes,
            maxBytes, // updated_at_ms
            addedBytes,
            maxBytes, // value_type
            separator // text_value
        };
    }
}
