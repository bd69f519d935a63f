package dev.reliability.lua;

import java.io.PrintStream;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The sandbox's {@code error}, {@code xpcall} and {@code print}, which keep a Lua string's bytes. LuaJ's own pass
 * messages through Java strings, which turns invalid UTF-8 into U+FFFD: {@code error("\xff")} caught by {@code pcall}
 * gave the bytes {@code ef bf bd}.
 *
 * <p>{@code error(msg, level)} raises a {@link Raised} error whose value is {@code msg} itself, with Lua's {@code
 * chunk:line: } position in front when {@code msg} is a string or number and {@code level} is positive, so {@code
 * pcall} (which returns the error's value) and everything in the modules that reads an error's value get the exact
 * bytes. {@code xpcall} hands its handler that value and returns the handler's result as it is.
 */
final class ByteExactBaseLib {
    private ByteExactBaseLib() {}

    /** Replaces {@code error}, {@code xpcall} and {@code print} in a sandboxed runtime. */
    static void install(Globals globals, ResourceGuard guard) {
        globals.set("error", new ErrorFunction(guard));
        globals.set("xpcall", new Xpcall(guard));
        globals.set("print", new Print(globals));
    }

    /**
     * An error raised by the sandbox's {@code error}: its value is the exact Lua value, and its Java message that value's
     * text, without the second position LuaJ would put in front of a value that already has one.
     */
    static final class Raised extends LuaError {
        private static final long serialVersionUID = 1L;

        Raised(LuaValue value) {
            super(value);
        }

        @Override
        public String getMessage() {
            LuaValue value = getMessageObject();
            return value.isstring() ? value.tojstring() : LuaErrors.text(value);
        }
    }

    private static final class ErrorFunction extends VarArgFunction {
        private final ResourceGuard guard;

        ErrorFunction(ResourceGuard guard) {
            this.guard = guard;
            this.name = "error";
        }

        @Override
        public Varargs invoke(Varargs args) {
            LuaValue message = args.arg1();
            LuaValue levelArg = args.arg(2);
            if (!levelArg.isnil() && !levelArg.isnumber()) {
                throw LuaErrors.badArgumentType(2, "error", "number", levelArg);
            }
            int level = levelArg.isnil() ? 1 : levelArg.toint();
            if (message.isstring() && level > 0) {
                throw new Raised(LuaErrors.concat(guard.where(level), message.strvalue()));
            }
            throw new Raised(message);
        }
    }

    private static final class Xpcall extends VarArgFunction {
        private final ResourceGuard guard;

        Xpcall(ResourceGuard guard) {
            this.guard = guard;
            this.name = "xpcall";
        }

        @Override
        public Varargs invoke(Varargs args) {
            LuaValue handler = args.checkvalue(2);
            guard.onCall(this); // as LuaJ's pcall and xpcall do: a frame that is not Lua code, for error levels
            LuaValue error;
            try {
                return LuaValue.varargsOf(LuaValue.TRUE, args.arg1().invoke(args.subargs(3)));
            } catch (LuaError raised) {
                error = LuaErrors.errorValue(raised);
            } finally {
                guard.onReturn();
            }
            try {
                return LuaValue.varargsOf(LuaValue.FALSE, handler.call(error));
            } catch (LuaError inHandler) {
                return LuaValue.varargsOf(LuaValue.FALSE, LuaValue.valueOf("error in error handling"));
            }
        }
    }

    /** {@code print}: each value's {@code tostring} as its bytes, tab-separated, then a newline. */
    private static final class Print extends VarArgFunction {
        private final Globals globals;

        Print(Globals globals) {
            this.globals = globals;
            this.name = "print";
        }

        @Override
        public Varargs invoke(Varargs args) {
            LuaValue tostring = globals.get("tostring");
            PrintStream out = globals.STDOUT;
            for (int i = 1; i <= args.narg(); i++) {
                if (i > 1) {
                    out.write('\t');
                }
                LuaValue value = tostring.call(args.arg(i));
                if (!value.isstring()) {
                    throw new LuaError("'tostring' must return a string to 'print'");
                }
                out.writeBytes(LuaValues.byteArray(value.strvalue()));
            }
            out.println();
            return LuaValue.NONE;
        }
    }
}
