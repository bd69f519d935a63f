package dev.reliability.state.jdbc;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * A statement with placeholders for time, compiled once per store. In the source text, {@code ?} is a value the
 * caller binds, {@code {now}} is the current time in epoch milliseconds and {@code {expires}} is now plus a TTL; {@code
 * {live}} stands for "the row has not expired". In {@link TimeMode#DATABASE} the time placeholders become the
 * dialect's clock expression (plus a bound TTL); in {@link TimeMode#CLIENT} they become parameters bound from the
 * store's time source.
 */
final class SqlTemplate {
    /** A typed SQL NULL for {@link #bind}. */
    enum Null {
        BIGINT,
        TEXT
    }

    private enum Slot {
        VALUE,
        NOW,
        EXPIRES
    }

    private final String sql;
    private final Slot[] slots;

    private SqlTemplate(String sql, Slot[] slots) {
        this.sql = sql;
        this.slots = slots;
    }

    static SqlTemplate compile(String source, TimeMode mode, String nowExpression, String bigintParameter) {
        String text = source.replace("{live}", "(expires_at_ms IS NULL OR expires_at_ms > {now})");
        StringBuilder out = new StringBuilder();
        List<Slot> slots = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            if (text.startsWith("{now}", i)) {
                if (mode == TimeMode.DATABASE) {
                    out.append(nowExpression);
                } else {
                    out.append(bigintParameter);
                    slots.add(Slot.NOW);
                }
                i += "{now}".length();
            } else if (text.startsWith("{expires}", i)) {
                if (mode == TimeMode.DATABASE) {
                    out.append('(')
                            .append(nowExpression)
                            .append(" + ")
                            .append(bigintParameter)
                            .append(')');
                } else {
                    out.append(bigintParameter);
                }
                slots.add(Slot.EXPIRES);
                i += "{expires}".length();
            } else {
                char c = text.charAt(i++);
                out.append(c);
                if (c == '?') {
                    slots.add(Slot.VALUE);
                }
            }
        }
        return new SqlTemplate(out.toString(), slots.toArray(new Slot[0]));
    }

    String sql() {
        return sql;
    }

    /**
     * Binds the values in order, and the time placeholders from {@code clientNow} and {@code ttlMillis}.
     *
     * @param ps the statement prepared from {@link #sql()}
     * @param clientNow the client time in epoch milliseconds (unused in database time)
     * @param ttlMillis the TTL for {@code {expires}}, or 0 if the statement has none
     * @param values strings, longs or {@link Null}s, one per {@code ?}
     */
    void bind(PreparedStatement ps, TimeMode mode, long clientNow, long ttlMillis, Object... values)
            throws SQLException {
        int value = 0;
        for (int i = 0; i < slots.length; i++) {
            int index = i + 1;
            switch (slots[i]) {
                case NOW -> ps.setLong(index, clientNow);
                case EXPIRES -> ps.setLong(index, mode == TimeMode.DATABASE ? ttlMillis : clientNow + ttlMillis);
                default -> {
                    Object v = values[value++];
                    if (v instanceof String s) {
                        ps.setString(index, s);
                    } else if (v instanceof Long l) {
                        ps.setLong(index, l);
                    } else if (v == Null.BIGINT) {
                        ps.setNull(index, Types.BIGINT);
                    } else {
                        ps.setNull(index, Types.VARCHAR);
                    }
                }
            }
        }
        if (value != values.length) {
            throw new IllegalStateException("bound " + values.length + " values to " + value + " parameters");
        }
    }
}
