package dev.reliability.lua;

import java.util.Set;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Remembers what was built from a config table (a parsed retry, a breaker), so a call with an unchanged table skips
 * parsing and validation. A table is unchanged when each known key holds the same value as when it was read (equal
 * numbers, strings and booleans; the same function): a later edit of a field, an inline table literal with other
 * values, or a new closure is read again, so nothing goes stale; an inline literal with the same values hits.
 *
 * <p>For the table that was read, the check reads only the known keys, so an unknown key added to it later is
 * reported when one of its known fields changes, not at once; another table (an inline literal) also has its keys
 * checked. A small cache: the {@link #SIZE} entries used last, searched in order.
 *
 * <p>Not thread-safe: one per runtime, and a LuaJ runtime is used by one thread at a time.
 */
final class ConfigCache<T> {
    static final int SIZE = 8;

    private final LuaString[] keys;
    private final Object[] names = new Object[SIZE];
    private final LuaTable[] tables = new LuaTable[SIZE];
    /** Per entry, the keys as the table's own instances where it has them: a lookup then matches them by identity. */
    private final LuaString[][] lookupKeys = new LuaString[SIZE][];

    private final LuaValue[][] fields = new LuaValue[SIZE][];
    private final Object[] values = new Object[SIZE];
    private int next;

    ConfigCache(Set<String> keys) {
        this.keys = keys.stream().sorted().map(LuaString::valueOf).toArray(LuaString[]::new);
    }

    /** What was built for {@code name} (any key with equals, or null) from a table with these fields, else null. */
    @SuppressWarnings("unchecked")
    T get(Object name, LuaTable table) {
        for (int i = 0; i < SIZE; i++) {
            LuaValue[] snapshot = fields[i];
            if (snapshot != null
                    && (name == null || name.equals(names[i]))
                    && matches(lookupKeys[i], snapshot, table)) {
                if (table != tables[i]) {
                    if (!onlyKnownKeys(table)) {
                        return null;
                    }
                    tables[i] = table;
                }
                return (T) values[i];
            }
        }
        return null;
    }

    /** Remembers {@code value} as built for {@code name} from the table's current fields, replacing the oldest. */
    void put(Object name, LuaTable table, T value) {
        LuaString[] own = keys.clone();
        for (Varargs entry = table.next(LuaValue.NIL); !entry.arg1().isnil(); entry = table.next(entry.arg1())) {
            int k = indexOf(entry.arg1());
            if (k >= 0) {
                own[k] = (LuaString) entry.arg1();
            }
        }
        LuaValue[] snapshot = new LuaValue[keys.length];
        for (int k = 0; k < keys.length; k++) {
            snapshot[k] = table.rawget(own[k]);
        }
        int slot = -1;
        for (int i = 0; i < SIZE && slot < 0; i++) {
            if (fields[i] != null && name != null && name.equals(names[i])) {
                slot = i; // one entry per name: the breaker's latest config
            }
        }
        if (slot < 0) {
            slot = next;
            next = (next + 1) % SIZE;
        }
        names[slot] = name;
        tables[slot] = table;
        lookupKeys[slot] = own;
        fields[slot] = snapshot;
        values[slot] = value;
    }

    private boolean onlyKnownKeys(LuaTable table) {
        for (Varargs entry = table.next(LuaValue.NIL); !entry.arg1().isnil(); entry = table.next(entry.arg1())) {
            if (indexOf(entry.arg1()) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The position of a known key, or -1. */
    private int indexOf(LuaValue key) {
        if (key.type() == LuaValue.TSTRING) {
            for (int k = 0; k < keys.length; k++) {
                if (keys[k].raweq(key)) {
                    return k;
                }
            }
        }
        return -1;
    }

    private static boolean matches(LuaString[] lookupKeys, LuaValue[] snapshot, LuaTable table) {
        for (int k = 0; k < lookupKeys.length; k++) {
            if (!table.rawget(lookupKeys[k]).raweq(snapshot[k])) {
                return false;
            }
        }
        return true;
    }
}
