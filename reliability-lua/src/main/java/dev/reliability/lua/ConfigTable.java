package dev.reliability.lua;

import java.time.Duration;
import java.util.Set;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * A configuration table passed to a library function. Unknown keys are rejected up front, and each field is checked
 * with a message naming the function, the argument and the key.
 */
final class ConfigTable {
    private final LuaTable table;
    private final int argument;
    private final String function;

    private ConfigTable(LuaTable table, int argument, String function) {
        this.table = table;
        this.argument = argument;
        this.function = function;
    }

    /** Reads argument {@code argument} as a config table whose keys must all be in {@code allowed}. */
    static ConfigTable of(Varargs args, int argument, String function, Set<String> allowed) {
        ConfigTable config = new ConfigTable(Args.table(args, argument, function), argument, function);
        for (Varargs entry = config.table.next(LuaValue.NIL); !entry.arg1().isnil(); ) {
            LuaValue key = entry.arg1();
            if (!key.isstring() || key.isnumber() || !allowed.contains(key.tojstring())) {
                throw config.error("unknown key '" + LuaErrors.text(key) + "'");
            }
            entry = config.table.next(key);
        }
        return config;
    }

    LuaError error(String message) {
        return LuaErrors.badArgument(argument, function, message);
    }

    private LuaError fieldError(String key, String expected, LuaValue actual) {
        return error("'" + key + "': " + expected + " expected, got " + describe(actual));
    }

    private static String describe(LuaValue value) {
        return value.isnumber() && value.type() == LuaValue.TNUMBER ? Args.format(value.todouble()) : value.typename();
    }

    LuaValue raw(String key) {
        return table.get(key);
    }

    boolean has(String key) {
        return !table.get(key).isnil();
    }

    int integer(String key, int min, int defaultValue) {
        LuaValue value = table.get(key);
        if (value.isnil()) {
            return defaultValue;
        }
        String expected = "integer >= " + min;
        if (value.type() != LuaValue.TNUMBER) {
            throw fieldError(key, expected, value);
        }
        return Args.checkInteger(value.todouble(), min, () -> fieldError(key, expected, value));
    }

    double number(String key, double min, double defaultValue) {
        LuaValue value = table.get(key);
        if (value.isnil()) {
            return defaultValue;
        }
        String expected = "finite number >= " + Args.format(min);
        if (value.type() != LuaValue.TNUMBER || !(value.todouble() >= min) || Double.isInfinite(value.todouble())) {
            throw fieldError(key, expected, value);
        }
        return value.todouble();
    }

    Duration seconds(String key, Duration defaultValue) {
        LuaValue value = table.get(key);
        if (value.isnil()) {
            return defaultValue;
        }
        String expected = "non-negative number of seconds";
        if (value.type() != LuaValue.TNUMBER) {
            throw fieldError(key, expected, value);
        }
        return Args.toDuration(value.todouble(), () -> fieldError(key, expected, value));
    }

    /** As {@link #seconds}, but zero is refused too, for timeouts and open durations. */
    Duration positiveSeconds(String key, Duration defaultValue) {
        Duration value = seconds(key, defaultValue);
        if (value.isZero()) {
            throw error("'" + key + "': positive number of seconds expected, got 0");
        }
        return value;
    }

    boolean bool(String key, boolean defaultValue) {
        LuaValue value = table.get(key);
        if (value.isnil()) {
            return defaultValue;
        }
        if (!value.isboolean()) {
            throw fieldError(key, "boolean", value);
        }
        return value.toboolean();
    }

    LuaFunction function(String key) {
        LuaValue value = table.get(key);
        if (value.isnil()) {
            return null;
        }
        if (!value.isfunction()) {
            throw fieldError(key, "function", value);
        }
        return (LuaFunction) value;
    }
}
