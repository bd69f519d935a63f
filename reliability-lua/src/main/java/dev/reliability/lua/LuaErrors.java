package dev.reliability.lua;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.OneArgFunction;

/**
 * The one place where Java failures become Lua errors, so scripts read Lua-style messages such as {@code bad argument
 * #1 to 'retry' (number expected, got nil)} and never a Java class name or stack trace.
 */
final class LuaErrors {
    // LuaJ prefixes positions as "chunk:line message"; Lua itself writes "chunk:line: message".
    private static final Pattern LUAJ_POSITION = Pattern.compile("^[@=]?([^\\n]*?:(?:\\d+|\\?)) (?!\\d)");
    // LuaJ wraps a Java exception thrown inside a closure as "vm error: java.lang.Foo: text".
    private static final Pattern UNCAUGHT_POSITION = Pattern.compile("^[@=]([^\\n]*?:(?:\\d+|\\?)) ");
    private static final Pattern JAVA_CLASS = Pattern.compile("(?:[a-z_][\\w$]*\\.)+([A-Z][\\w$]*)");
    private static final Pattern JAVA_DURATION = Pattern.compile("-?PT(?:-?[\\d.]+[HMS])+");
    private static final Pattern VM_ERROR = Pattern.compile("vm error: (?:[a-zA-Z_$][\\w$]*\\.)+([\\w$]+)(?:: )?");

    /** Lua 5.2's room for source text in a chunk's name: LUA_IDSIZE (60) less the quotes, brackets and dots. */
    private static final int CHUNK_ID_SOURCE = 45;

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
        String message = failure.getMessage() == null ? describe(failure) : withSeconds(failure.getMessage());
        if (failure instanceof IllegalArgumentException) {
            return new TranslatedError("bad argument to '" + function + "' (" + message + ")", failure);
        }
        return new TranslatedError(function + ": " + message, failure);
    }

    /** Rewrites Java duration text such as {@code PT0.5S} in a message as Lua's seconds, {@code 0.5s}. */
    static String withSeconds(String message) {
        Matcher duration = JAVA_DURATION.matcher(message);
        StringBuilder out = new StringBuilder();
        while (duration.find()) {
            String seconds;
            try {
                seconds = Args.format(Args.seconds(java.time.Duration.parse(duration.group()))) + "s";
            } catch (RuntimeException notADuration) {
                seconds = duration.group();
            }
            duration.appendReplacement(out, Matcher.quoteReplacement(seconds));
        }
        return duration.appendTail(out).toString();
    }

    /**
     * The message for a Java failure inside one of LuaJ's own library functions, which should have raised a Lua
     * error: the pattern functions index past a malformed pattern, others fail on values Lua would refuse.
     */
    static LuaError library(String function, RuntimeException failure) {
        String problem =
                switch (function) {
                    case "find", "match", "gmatch", "gsub" -> "malformed pattern";
                    case "format" -> "invalid format";
                    default -> "invalid value";
                };
        return new TranslatedError("bad argument to '" + function + "' (" + problem + ")", failure);
    }

    /**
     * Wraps each function of a LuaJ library table so that a Java failure inside it becomes {@link #library}'s Lua
     * error; {@code tonumber} returns nil instead, as Lua's does for a malformed numeral such as {@code "0x"}.
     */
    static void guard(LuaTable library, String... names) {
        for (String name : names) {
            LuaValue function = library.rawget(name);
            if (function.isfunction()) {
                library.rawset(name, new Guarded(name, function));
            }
        }
    }

    private static final class Guarded extends org.luaj.vm2.lib.VarArgFunction {
        private final LuaValue function;

        Guarded(String name, LuaValue function) {
            this.name = name;
            this.function = function;
        }

        @Override
        public Varargs invoke(Varargs args) {
            try {
                return function.invoke(args);
            } catch (LuaError error) {
                throw error;
            } catch (RuntimeException failure) {
                if (name.equals("tonumber")) {
                    return LuaValue.NIL;
                }
                throw library(name, failure);
            }
        }
    }

    /**
     * The message of a chunk that LuaJ's compiler failed on with a Java exception instead of a syntax error (a
     * malformed numeral, more locals than a function may have).
     */
    static String compileFailure(String chunkName, LuaError failure) {
        String message = failure.getMessage() == null ? "" : failure.getMessage();
        String wrapped = "load " + chunkName + ": "; // how Globals.load wraps a Java exception of the compiler
        if (!message.startsWith(wrapped)
                || !JAVA_CLASS.matcher(message.substring(wrapped.length())).lookingAt()) {
            return normalize(message);
        }
        String name = chunkId(chunkName);
        String problem = message.contains("NumberFormatException")
                ? "malformed number"
                : "function too complex to compile (too many local variables, upvalues or constants?)";
        return name + ": " + problem;
    }

    /**
     * How Lua names a chunk in messages: a name given as {@code @file} or {@code =name} without its mark, and source
     * text as {@code [string "first line..."]}, cut as Lua 5.2 cuts it, so a message never repeats a whole script.
     */
    static String chunkId(String chunkName) {
        if (chunkName.startsWith("@") || chunkName.startsWith("=")) {
            return chunkName.substring(1);
        }
        int newline = chunkName.indexOf('\n');
        if (newline < 0 && chunkName.length() < CHUNK_ID_SOURCE) {
            return "[string \"" + chunkName + "\"]";
        }
        int end = Math.min(newline < 0 ? chunkName.length() : newline, CHUNK_ID_SOURCE);
        return "[string \"" + chunkName.substring(0, end) + "...\"]";
    }

    /**
     * The text of an error a script did not catch: LuaJ writes a position as {@code @chunk:line message}, Lua as
     * {@code chunk:line: message}.
     */
    static String uncaught(LuaError error) {
        String message = error.getMessage();
        return message == null ? "nil" : UNCAUGHT_POSITION.matcher(message).replaceFirst("$1: ");
    }

    /** A Java failure that reaches a log line, without its class name: the Lua message, or a readable phrase. */
    static String logText(Throwable thrown) {
        if (thrown instanceof LuaError error) {
            return normalize(uncaught(error));
        }
        if (thrown.getMessage() == null) {
            return describe(thrown);
        }
        Matcher javaClass = JAVA_CLASS.matcher(withSeconds(thrown.getMessage()));
        StringBuilder out = new StringBuilder();
        while (javaClass.find()) {
            javaClass.appendReplacement(out, Matcher.quoteReplacement(readable(javaClass.group(1))));
        }
        return javaClass.appendTail(out).toString();
    }

    /** Why an I/O call failed, in words: the JDK's HTTP client throws {@code ConnectException} without a message. */
    static String ioReason(java.io.IOException failure) {
        if (failure instanceof java.net.ConnectException) {
            return failure.getMessage() == null ? "connection refused" : failure.getMessage();
        }
        if (failure instanceof java.net.UnknownHostException) {
            return "unknown host " + failure.getMessage();
        }
        return failure.getMessage() == null ? describe(failure) : failure.getMessage();
    }

    /**
     * Escapes control characters (a newline, say) as {@code \n} or {@code \xHH}, so one log call is one line and a
     * message cannot forge another.
     */
    static String escapeControls(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c != 0x7F) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(String.format("\\x%02x", (int) c));
            }
        }
        return out == null ? text : out.toString();
    }

    private static String describe(Throwable failure) {
        return readable(failure.getClass().getSimpleName());
    }

    /** {@code ConnectException} as {@code connect}, {@code IllegalStateException} as {@code illegal state}. */
    private static String readable(String className) {
        String name = className.replaceAll("(Exception|Error)$", "");
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
            // The Java text after the class name is dropped: it names Java types and internals, never Lua's.
            message = message.substring(0, vm.start()) + readable;
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
        return concat(LuaString.valueOf(prefix), rest);
    }

    /** Returns the bytes of {@code head} followed by {@code tail} as UTF-8. */
    static LuaString concat(LuaString head, String tail) {
        return concat(head, LuaString.valueOf(tail));
    }

    /** Returns the bytes of {@code head} followed by those of {@code tail}. */
    static LuaString concat(LuaString head, LuaString tail) {
        byte[] bytes = new byte[head.length() + tail.length()];
        head.copyInto(0, bytes, 0, head.length());
        tail.copyInto(0, bytes, head.length(), tail.length());
        return LuaString.valueUsing(bytes);
    }

    /** Returns the message carried by a raised Lua error: its error object if it has one, else its text. */
    static LuaValue errorValue(LuaError error) {
        LuaValue object = error.getMessageObject();
        return object == null ? LuaValue.valueOf("error") : object;
    }
}
