package dev.reliability.lua;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.OneArgFunction;

/**
 * The one place where Java failures become Lua errors, so scripts read Lua-style messages such as {@code bad argument
 * #1 to 'retry' (number expected, got nil)} and never a Java class name or stack trace.
 */
final class LuaErrors {
    // LuaJ prefixes positions as "chunk:line message"; Lua itself writes "chunk:line: message".
    private static final Pattern LUAJ_POSITION = Pattern.compile("^@?([^\\n]*?:(?:\\d+|\\?)) (?!\\d)");
    // LuaJ wraps a Java exception thrown inside a closure as "vm error: java.lang.Foo: text".
    private static final Pattern VM_ERROR = Pattern.compile("vm error: (?:[a-zA-Z_$][\\w$]*\\.)+([\\w$]+)(?:: )?");

    private LuaErrors() {}

    /** A Lua error that keeps the Java failure it was translated from. */
    static final class TranslatedError extends LuaError {
        private static final long serialVersionUID = 1L;

        TranslatedError(String message, Throwable cause) {
            super(message);
            this.cause = cause;
        }
    }

    static LuaError badArgument(int index, String function, String message) {
        return new LuaError("bad argument #" + index + " to '" + function + "' (" + message + ")");
    }

    static LuaError badArgumentType(int index, String function, String expected, LuaValue actual) {
        return badArgument(index, function, expected + " expected, got " + typeName(actual));
    }

    static String typeName(LuaValue value) {
        return value.typename();
    }

    /**
     * Translates a Java failure raised while running the library function {@code function}.
     *
     * @param function the Lua name of the function, as in {@code 'retry'}
     */
    static LuaError translate(String function, RuntimeException failure) {
        if (failure instanceof LuaError luaError) {
            return luaError;
        }
        String message = failure.getMessage() == null ? describe(failure) : failure.getMessage();
        if (failure instanceof IllegalArgumentException) {
            return new TranslatedError("bad argument to '" + function + "' (" + message + ")", failure);
        }
        return new TranslatedError(function + ": " + message, failure);
    }

    private static String describe(Throwable failure) {
        String name = failure.getClass().getSimpleName().replaceAll("(Exception|Error)$", "");
        return name.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Rewrites a LuaJ error message into Lua's own form: a colon after the position, and no Java class names.
     */
    static String normalize(String message) {
        Matcher vm = VM_ERROR.matcher(message);
        if (vm.find()) {
            String name = vm.group(1).replaceAll("(Exception|Error)$", "");
            String readable = name.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
            String rest = message.substring(vm.end());
            message = message.substring(0, vm.start()) + (rest.isEmpty() ? readable : readable + ": " + rest);
        }
        return LUAJ_POSITION.matcher(message).replaceFirst("$1: ");
    }

    /** The error handler installed on every sandboxed thread; see {@link LuaSandbox}. */
    static final class Normalizer extends OneArgFunction {
        @Override
        public LuaValue call(LuaValue message) {
            return message.isstring() ? LuaValue.valueOf(normalize(message.tojstring())) : message;
        }
    }

    /** Returns the text of a value as {@code tostring} would, honouring {@code __tostring}. */
    static String text(LuaValue value) {
        LuaValue handler = value.metatag(LuaValue.TOSTRING);
        if (!handler.isnil()) {
            return handler.call(value).tojstring();
        }
        return value.tojstring();
    }

    /**
     * Returns an error as the Lua string scripts receive: a string keeps its bytes, a number its text, anything else
     * what {@code tostring} gives.
     */
    static LuaString message(LuaValue error) {
        return error.type() == LuaValue.TSTRING || error.type() == LuaValue.TNUMBER
                ? error.strvalue()
                : LuaString.valueOf(text(error));
    }

    /** Returns {@code prefix} followed by the bytes of {@code rest}. */
    static LuaString prefixed(String prefix, LuaString rest) {
        LuaString head = LuaString.valueOf(prefix);
        byte[] bytes = new byte[head.length() + rest.length()];
        head.copyInto(0, bytes, 0, head.length());
        rest.copyInto(0, bytes, head.length(), rest.length());
        return LuaString.valueUsing(bytes);
    }

    /** Returns the message carried by a raised Lua error: its error object if it has one, else its text. */
    static LuaValue errorValue(LuaError error) {
        LuaValue object = error.getMessageObject();
        return object == null ? LuaValue.valueOf("error") : object;
    }
}
