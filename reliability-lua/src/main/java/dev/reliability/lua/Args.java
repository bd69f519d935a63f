package dev.reliability.lua;

import java.time.Duration;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/** Argument checks that fail with Lua's own wording: {@code bad argument #2 to 'retry' (number expected, got nil)}. */
final class Args {
    /** Seconds beyond this cannot be held as a {@link Duration} of nanoseconds. */
    private static final double MAX_SECONDS = Long.MAX_VALUE / 1e9;

    private Args() {}

    static LuaFunction function(Varargs args, int index, String function) {
        LuaValue value = args.arg(index);
        if (!value.isfunction()) {
            throw LuaErrors.badArgumentType(index, function, "function", value);
        }
        return (LuaFunction) value;
    }

    static LuaTable table(Varargs args, int index, String function) {
        LuaValue value = args.arg(index);
        if (!value.istable()) {
            throw LuaErrors.badArgumentType(index, function, "table", value);
        }
        return (LuaTable) value;
    }

    static LuaTable optionalTable(Varargs args, int index, String function) {
        return args.arg(index).isnil() ? new LuaTable() : table(args, index, function);
    }

    /** A string argument; numbers are accepted and converted, as Lua's own string functions do. */
    static String string(Varargs args, int index, String function) {
        LuaValue value = args.arg(index);
        if (!value.isstring()) {
            throw LuaErrors.badArgumentType(index, function, "string", value);
        }
        return value.tojstring();
    }

    /**
     * A string argument as text that keeps every byte ({@link LuaValues#text}): for names that Java keeps and hands
     * back, so names that differ in bytes stay different.
     */
    static String text(Varargs args, int index, String function) {
        string(args, index, function); // checks the type
        return LuaValues.text(args.arg(index).strvalue());
    }

    static double number(Varargs args, int index, String function) {
        LuaValue value = args.arg(index);
        if (!value.isnumber()) {
            throw LuaErrors.badArgumentType(index, function, "number", value);
        }
        return value.todouble();
    }

    /** A whole number of at least {@code min}, within int range. */
    static int integer(Varargs args, int index, String function, int min) {
        double value = number(args, index, function);
        return checkInteger(value, min, () -> LuaErrors.badArgument(index, function, mustBeInteger(min, value)));
    }

    static int checkInteger(double value, int min, java.util.function.Supplier<RuntimeException> error) {
        if (!(value >= min) || value > Integer.MAX_VALUE || value != Math.floor(value)) {
            throw error.get();
        }
        return (int) value;
    }

    static String mustBeInteger(int min, double value) {
        return "integer >= " + min + " expected, got " + format(value);
    }

    /** Seconds as a non-negative, finite number; fractions are honoured to the nanosecond. */
    static Duration seconds(Varargs args, int index, String function) {
        double value = number(args, index, function);
        return toDuration(value, () -> LuaErrors.badArgument(index, function, mustBeSeconds(value)));
    }

    static Duration toDuration(double seconds, java.util.function.Supplier<RuntimeException> error) {
        if (!(seconds >= 0) || seconds > MAX_SECONDS) { // also rejects NaN
            throw error.get();
        }
        return Duration.ofNanos(Math.round(seconds * 1e9));
    }

    static String mustBeSeconds(double value) {
        return "non-negative number of seconds expected, got " + format(value);
    }

    /** Formats a number as Lua prints it: integers without a decimal point, others with 14 significant digits. */
    static String format(double value) {
        return LuaFormat.number(value);
    }

    static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
