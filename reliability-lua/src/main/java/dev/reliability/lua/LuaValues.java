package dev.reliability.lua;

import dev.reliability.state.StateValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Converts between Lua values and {@link StateValue}s, so values keep their Lua type through the store: strings,
 * numbers, booleans, and tables (a sequence 1..n becomes a list, string keys a map).
 *
 * <p><b>Strings are byte-exact.</b> A Lua string is bytes; the stores hold Java text without NUL or unpaired
 * surrogates. {@link #text} maps any bytes onto such text, one-to-one, and {@link #bytes} maps it back:
 *
 * <ul>
 *   <li>valid UTF-8 is stored as the text it spells, so the common case stays readable in the store;
 *   <li>each byte that is not part of a valid UTF-8 sequence, and each NUL, is stored as one character {@code
 *       U+F700 + byte} (a private-use character, so no text a user meant contains it by accident);
 *   <li>a character of U+F700..U+F7FF that a script did write is stored byte by byte as in the rule above, so every
 *       such character in the store stands for exactly one byte and decoding is unambiguous.
 * </ul>
 *
 * <p>The mapping is used for values (also inside tables, and table keys), keys, globs and lock names, so keys that
 * differ in bytes stay different keys, and a glob prefix such as {@code "user:*"} still matches keys with odd bytes
 * after the prefix. A glob's {@code ?} matches one character, which is one byte only for ASCII and escaped bytes.
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
        return switch (value.type()) {
            case LuaValue.TSTRING -> StateValue.of(text(value.strvalue()));
            case LuaValue.TBOOLEAN -> StateValue.of(value.toboolean());
            case LuaValue.TNUMBER -> number(value.todouble(), index, function);
            case LuaValue.TTABLE -> table((LuaTable) value, index, function, path, depth);
            default -> throw LuaErrors.badArgumentType(index, function, "string, number, boolean or table", value);
        };
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
                map.put(text(entry.arg1().strvalue()), toState(entry.arg(2), index, function, path, depth + 1));
            }
            return StateValue.ofMap(map);
        } finally {
            path.remove(table);
        }
    }

    /** Converts a stored value back; a {@code long} beyond ±2^53 raises, naming the key and the function. */
    static LuaValue toLua(StateValue value, String key, String function) {
        switch (value.type()) {
            case STRING -> {
                return bytes(value.asString());
            }
            case BOOLEAN -> {
                return LuaValue.valueOf(value.asBoolean());
            }
            case DOUBLE -> {
                return LuaValue.valueOf(value.asDouble());
            }
            case LONG -> {
                return exact(value.asLong(), key, function);
            }
            case LIST -> {
                LuaTable list = new LuaTable();
                int i = 1;
                for (StateValue element : value.asList()) {
                    list.set(i++, toLua(element, key, function));
                }
                return list;
            }
            case MAP -> {
                LuaTable map = new LuaTable();
                for (Map.Entry<String, StateValue> entry : value.asMap().entrySet()) {
                    map.set(bytes(entry.getKey()), toLua(entry.getValue(), key, function));
                }
                return map;
            }
            default -> throw new AssertionError(value.type());
        }
    }

    /** A Lua sequence of strings, as {@code keys} and {@code list_circuits} return; each goes through {@link #bytes}. */
    static LuaTable array(List<String> values) {
        LuaTable table = new LuaTable();
        int index = 1;
        for (String value : values) {
            table.set(index++, bytes(value));
        }
        return table;
    }

    /** First of the 256 private-use characters that stand for single bytes. */
    private static final int ESCAPE_BASE = 0xF700;

    /** The store text for a Lua string; see the class comment. */
    static String text(LuaString string) {
        int length = string.length();
        boolean plain = true;
        for (int i = 0; i < length && plain; i++) {
            int b = string.luaByte(i);
            plain = b != 0 && b < 0x80;
        }
        if (plain) {
            return string.tojstring(); // ASCII without NUL, the common case
        }
        StringBuilder text = new StringBuilder(length + 8);
        for (int i = 0; i < length; ) {
            int size = utf8Sequence(string, i);
            int codePoint = size > 0 ? decode(string, i, size) : -1;
            if (codePoint <= 0 || (codePoint >= ESCAPE_BASE && codePoint <= ESCAPE_BASE + 0xFF)) {
                int end = size > 0 ? i + size : i + 1;
                for (; i < end; i++) {
                    text.append((char) (ESCAPE_BASE + string.luaByte(i)));
                }
            } else {
                text.appendCodePoint(codePoint);
                i += size;
            }
        }
        return text.toString();
    }

    /** The Lua string for store text; the inverse of {@link #text}. */
    static LuaString bytes(String text) {
        int length = text.length();
        int i = 0;
        while (i < length && text.charAt(i) < 0x80) {
            i++;
        }
        if (i == length) {
            return LuaString.valueOf(text); // ASCII
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(length + 16);
        for (i = 0; i < length; ) {
            int codePoint = text.codePointAt(i);
            i += Character.charCount(codePoint);
            if (codePoint >= ESCAPE_BASE && codePoint <= ESCAPE_BASE + 0xFF) {
                out.write(codePoint - ESCAPE_BASE);
            } else {
                out.writeBytes(new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8));
            }
        }
        return LuaString.valueUsing(out.toByteArray());
    }

    /** A copy of the string's bytes. */
    static byte[] byteArray(LuaString string) {
        byte[] bytes = new byte[string.length()];
        string.copyInto(0, bytes, 0, bytes.length);
        return bytes;
    }

    /** The length of the well-formed UTF-8 sequence at {@code i} (Unicode's table 3-7), or 0 if there is none. */
    private static int utf8Sequence(LuaString s, int i) {
        int b0 = s.luaByte(i);
        if (b0 < 0x80) {
            return 1;
        }
        int size;
        int low = 0x80;
        int high = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            size = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            size = 3;
            low = b0 == 0xE0 ? 0xA0 : 0x80;
            high = b0 == 0xED ? 0x9F : 0xBF; // no encoded surrogates
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            size = 4;
            low = b0 == 0xF0 ? 0x90 : 0x80;
            high = b0 == 0xF4 ? 0x8F : 0xBF; // nothing beyond U+10FFFF
        } else {
            return 0;
        }
        if (i + size > s.length()) {
            return 0;
        }
        int b1 = s.luaByte(i + 1);
        if (b1 < low || b1 > high) {
            return 0;
        }
        for (int k = 2; k < size; k++) {
            int b = s.luaByte(i + k);
            if (b < 0x80 || b > 0xBF) {
                return 0;
            }
        }
        return size;
    }

    private static int decode(LuaString s, int i, int size) {
        int b0 = s.luaByte(i);
        if (size == 1) {
            return b0;
        }
        int codePoint = b0 & (0xFF >> (size + 1));
        for (int k = 1; k < size; k++) {
            codePoint = (codePoint << 6) | (s.luaByte(i + k) & 0x3F);
        }
        return codePoint;
    }

    static LuaValue exact(long number, String key, String function) {
        if (Math.abs(number) > MAX_EXACT || number == Long.MIN_VALUE) {
            throw new LuaError(
                    function + ": value of '" + key + "' (" + number + ") is beyond 2^53 and has no exact Lua number");
        }
        return LuaValue.valueOf((double) number);
    }
}
