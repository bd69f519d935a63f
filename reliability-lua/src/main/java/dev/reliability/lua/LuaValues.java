package dev.reliability.lua;

import dev.reliability.state.StateValue;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Converts between Lua values and {@link StateValue}s, so values keep their Lua type through the store: strings,
 * numbers, booleans, and tables (a sequence 1..n becomes a list, string keys a map).
 *
 * <p>Lua numbers are doubles: a whole number within ±2^53 is stored as a {@code long}, and a stored {@code long}
 * beyond ±2^53 has no exact Lua number, so reading it is an error rather than a silent rounding.
 */
final class LuaValues {
    /** The largest magnitude a Lua number holds exactly: 2^53. */
    static final long MAX_EXACT = 1L << 53;

    private LuaValues() {}

    /** Converts argument {@code index} of {@code function}; the message names both on bad input. */
    static StateValue toState(Varargs args, int index, String function) {
        return toState(args.arg(index), index, function, new IdentityHashMap<>(), 0);
    }

    private static StateValue toState(
            LuaValue value, int index, String function, IdentityHashMap<LuaValue, Boolean> path, int depth) {
        switch (value.type()) {
            case LuaValue.TSTRING:
                return StateValue.of(value.tojstring());
            case LuaValue.TBOOLEAN:
                return StateValue.of(value.toboolean());
            case LuaValue.TNUMBER:
                return number(value.todouble(), index, function);
            case LuaValue.TTABLE:
                return table((LuaTable) value, index, function, path, depth);
            default:
                throw LuaErrors.badArgumentType(index, function, "string, number, boolean or table", value);
        }
    }

    private static StateValue number(double number, int index, String function) {
        if (Double.isNaN(number) || Double.isInfinite(number)) {
            throw LuaErrors.badArgument(index, function, "finite number expected, got " + Args.format(number));
        }
        if (number == Math.rint(number) && Math.abs(number) <= MAX_EXACT) {
            return StateValue.of((long) number);
        }
        return StateValue.of(number);
    }

    private static StateValue table(
            LuaTable table, int index, String function, IdentityHashMap<LuaValue, Boolean> path, int depth) {
        if (path.containsKey(table)) {
            throw LuaErrors.badArgument(index, function, "cyclic table");
        }
        if (depth >= StateValue.MAX_DEPTH) {
            throw LuaErrors.badArgument(index, function, "table nested deeper than " + StateValue.MAX_DEPTH);
        }
        path.put(table, Boolean.TRUE);
        try {
            int length = table.length();
            int count = 0;
            boolean stringKeys = true;
            for (Varargs entry = table.next(LuaValue.NIL); !entry.arg1().isnil(); entry = table.next(entry.arg1())) {
                count++;
                stringKeys &= entry.arg1().type() == LuaValue.TSTRING;
            }
            if (count == length) { // a sequence 1..n, or empty
                List<StateValue> list = new ArrayList<>(length);
                for (int i = 1; i <= length; i++) {
                    list.add(toState(table.get(i), index, function, path, depth + 1));
                }
                return StateValue.ofList(list);
            }
            if (!stringKeys) {
                throw LuaErrors.badArgument(index, function, "table keys must be all strings or a sequence 1..n");
            }
            Map<String, StateValue> map = new LinkedHashMap<>();
            for (Varargs entry = table.next(LuaValue.NIL); !entry.arg1().isnil(); entry = table.next(entry.arg1())) {
                map.put(entry.arg1().tojstring(), toState(entry.arg(2), index, function, path, depth + 1));
            }
            return StateValue.ofMap(map);
        } finally {
            path.remove(table);
        }
    }

    /** Converts a stored value back; a {@code long} beyond ±2^53 raises, naming the key and the function. */
    static LuaValue toLua(StateValue value, String key, String function) {
        switch (value.type()) {
            case STRING:
                return LuaValue.valueOf(value.asString());
            case BOOLEAN:
                return LuaValue.valueOf(value.asBoolean());
            case DOUBLE:
                return LuaValue.valueOf(value.asDouble());
            case LONG:
                return exact(value.asLong(), key, function);
            case LIST:
                LuaTable list = new LuaTable();
                int i = 1;
                for (StateValue element : value.asList()) {
                    list.set(i++, toLua(element, key, function));
                }
                return list;
            case MAP:
                LuaTable map = new LuaTable();
                for (Map.Entry<String, StateValue> entry : value.asMap().entrySet()) {
                    map.set(entry.getKey(), toLua(entry.getValue(), key, function));
                }
                return map;
            default:
                throw new AssertionError(value.type());
        }
    }

    /** A Lua sequence of strings, as {@code keys} and {@code list_circuits} return. */
    static LuaTable array(List<String> values) {
        LuaTable table = new LuaTable();
        int index = 1;
        for (String value : values) {
            table.set(index++, value);
        }
        return table;
    }

    static LuaValue exact(long number, String key, String function) {
        if (Math.abs(number) > MAX_EXACT || number == Long.MIN_VALUE) {
            throw new LuaError(
                    function + ": value of '" + key + "' (" + number + ") is beyond 2^53 and has no exact Lua number");
        }
        return LuaValue.valueOf((double) number);
    }
}
