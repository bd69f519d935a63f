package dev.reliability.lua;

import java.util.LinkedHashMap;
import java.util.Map;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;

/**
 * The seed's error types for errors that are plain Lua strings. A runtime remembers the type of each typed message it
 * produced (by {@code retryable}, {@code non_retryable}, a rejected breaker call, or a retry ending on a typed error),
 * and a string equal to such a message has that type. So {@code type(err) == "string"}, every string method and
 * {@code ==} work on errors, and {@code error_type} still tells them apart.
 *
 * <p>The edge of this choice: the type belongs to the text, so two errors with the same bytes share a type (the one
 * produced last). The memory is bounded: it keeps the {@link #CAPACITY} messages used most recently, so a script that
 * produces more distinct typed messages than that loses the type of the oldest ones. A message raised with {@code
 * error(msg)} gains Lua's {@code chunk:line: } prefix; it keeps the type of {@code msg}.
 *
 * <p>Thread-safe; one instance per runtime.
 */
final class ErrorTypes {
    /** How many typed messages a runtime remembers. */
    static final int CAPACITY = 1024;

    /** The types {@code reliability.error_type} reports. */
    @SuppressWarnings("ImmutableEnumChecker") // LuaString is mutable in principle; these three are never changed
    enum Type {
        RETRYABLE("retryable"),
        NON_RETRYABLE("non_retryable"),
        CIRCUIT_OPEN("circuit_open");

        final LuaString luaName;

        Type(String luaName) {
            this.luaName = LuaString.valueOf(luaName);
        }
    }

    private final Map<LuaString, Type> types = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<LuaString, Type> eldest) {
            return size() > CAPACITY;
        }
    };

    /** Remembers {@code message} as an error of {@code type} (nothing for a null type) and returns it. */
    synchronized LuaString remember(Type type, LuaString message) {
        if (type != null) {
            types.put(message, type);
        }
        return message;
    }

    /** Returns the type of an error, or null for a value this runtime never produced as a typed error. */
    synchronized Type typeOf(LuaValue error) {
        if (error.type() != LuaValue.TSTRING) {
            return null;
        }
        LuaString message = error.strvalue();
        Type type = types.get(message);
        return type != null ? type : types.get(withoutPosition(message));
    }

    /** Strips the {@code chunk:line: } prefix {@code error(msg)} adds, or returns the message unchanged. */
    static LuaString withoutPosition(LuaString message) {
        int length = message.length();
        for (int colon = 0; colon < length; colon++) {
            int b = message.luaByte(colon);
            if (b == '\n') {
                break;
            }
            if (b != ':') {
                continue;
            }
            int end = colon + 1;
            while (end < length && Character.isDigit(message.luaByte(end))) {
                end++;
            }
            if (end > colon + 1 && end + 1 < length && message.luaByte(end) == ':' && message.luaByte(end + 1) == ' ') {
                return message.substring(end + 2, length);
            }
        }
        return message;
    }
}
