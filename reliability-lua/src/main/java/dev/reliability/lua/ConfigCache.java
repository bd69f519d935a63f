package dev.reliability.lua;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * <p>For the table that was read, the check costs one lookup per key the table held: LuaJ keeps an exact count of a
 * table's hash entries ({@code hashEntries}, where every string key lives), and a known key cannot be added while
 * that count and every key the table held stay as they were. An unknown key added to it later is reported when one
 * of its known fields changes or a key is added or removed, not at once. Another table (an inline literal) has every
 * known key looked up and its keys checked. Where the JVM refuses access to the count, every known key is looked up.
 *
 * <p>A table with a metatable is never cached: {@code __index} can supply fields this check does not see. A small
 * cache: the {@link #SIZE} entries used last, searched in order.
 *
 * <p>Not thread-safe: one per runtime, and a LuaJ runtime is used by one thread at a time.
 */
final class ConfigCache<T> {
    static final int SIZE = 8;

    /** {@code LuaTable.hashEntries}, or null if unreadable. */
    private static final VarHandle HASH_ENTRIES = hashEntriesHandle();

    private final LuaString[] keys;
    private final Object[] names = new Object[SIZE];
    private final LuaTable[] tables = new LuaTable[SIZE];
    /** Per entry, the keys as the table's own instances where it has them: a lookup then matches them by identity. */
    private final LuaString[][] lookupKeys = new LuaString[SIZE][];

    private final LuaValue[][] fields = new LuaValue[SIZE][];
    /** Per entry, the keys the table held and their values: all the fast check reads. */
    private final LuaString[][] presentKeys = new LuaString[SIZE][];

    private final LuaValue[][] presentValues = new LuaValue[SIZE][];
    /** Per entry, the table's hash entry count when it was read, or -1 if unknown. */
    private final int[] entryCounts = new int[SIZE];

    private final Object[] values = new Object[SIZE];
    private int next;

    ConfigCache(Set<String> keys) {
        this.keys = keys.stream().sorted().map(LuaString::valueOf).toArray(LuaString[]::new);
    }

    /** What was built for {@code name} (any key with equals, or null) from a table with these fields, else null. */
    @SuppressWarnings({"unchecked", "ReferenceEquality"}) // the same table instance is what lets a check be skipped
    T get(Object name, LuaTable table) {
        if (table.getmetatable() != null) {
            return null;
        }
        int count = hashEntries(table);
        for (int i = 0; i < SIZE; i++) {
            LuaValue[] snapshot = fields[i];
            if (snapshot == null || (name != null && !name.equals(names[i]))) {
                continue;
            }
            if (table == tables[i] && count >= 0 && count == entryCounts[i]) {
                if (unchanged(presentKeys[i], presentValues[i], table)) {
                    return (T) values[i];
                }
            } else if (unchanged(lookupKeys[i], snapshot, table)) {
                if (table != tables[i]) {
                    if (!onlyKnownKeys(table)) {
                        return null;
                    }
                    tables[i] = table;
                    entryCounts[i] = count;
                }
                return (T) values[i];
            }
        }
        return null;
    }

    /**
     * Remembers {@code value} as built for {@code name} from the table's current fields, replacing the oldest; a table
     * with a metatable is not remembered.
     */
    void put(Object name, LuaTable table, T value) {
        if (table.getmetatable() != null) {
            return;
        }
        LuaString[] own = keys.clone();
        for (Varargs entry = table.next(LuaValue.NIL); !entry.arg1().isnil(); entry = table.next(entry.arg1())) {
            int k = indexOf(entry.arg1());
            if (k >= 0) {
                own[k] = (LuaString) entry.arg1();
            }
        }
        LuaValue[] snapshot = new LuaValue[keys.length];
        int present = 0;
        for (int k = 0; k < keys.length; k++) {
            snapshot[k] = table.rawget(own[k]);
            present += snapshot[k].isnil() ? 0 : 1;
        }
        LuaString[] heldKeys = new LuaString[present];
        LuaValue[] heldValues = new LuaValue[present];
        for (int k = 0, p = 0; k < keys.length; k++) {
            if (!snapshot[k].isnil()) {
                heldKeys[p] = own[k];
                heldValues[p++] = snapshot[k];
            }
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
        presentKeys[slot] = heldKeys;
        presentValues[slot] = heldValues;
        entryCounts[slot] = hashEntries(table);
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

    private static boolean unchanged(LuaString[] keys, LuaValue[] values, LuaTable table) {
        for (int k = 0; k < keys.length; k++) {
            if (!table.rawget(keys[k]).raweq(values[k])) {
                return false;
            }
        }
        return true;
    }

    /** The number of entries in the table's hash part, or -1 if it cannot be read. */
    static int hashEntries(LuaTable table) {
        return HASH_ENTRIES == null ? -1 : (int) HASH_ENTRIES.get(table);
    }

    private static VarHandle hashEntriesHandle() {
        try {
            return MethodHandles.privateLookupIn(LuaTable.class, MethodHandles.lookup())
                    .findVarHandle(LuaTable.class, "hashEntries", int.class);
        } catch (ReflectiveOperationException | RuntimeException refused) {
            return null; // every known key is looked up instead
        }
    }
}
