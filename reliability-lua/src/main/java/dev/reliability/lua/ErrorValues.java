package dev.reliability.lua;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.OneArgFunction;
import org.luaj.vm2.lib.ThreeArgFunction;
import org.luaj.vm2.lib.TwoArgFunction;

/**
 * The seed's error types as Lua values: an opaque userdata with fields {@code message} and {@code type} that behaves
 * as its message for {@code tostring} and {@code ..}, so callbacks written for string errors keep working.
 *
 * <p>The metatable is shared by every runtime and hidden behind {@code __metatable}; a userdata cannot be changed by a
 * script, so an error's type cannot be forged after the fact.
 */
final class ErrorValues {

    /** The types {@code reliability.error_type} reports. */
    enum Type {
        RETRYABLE("retryable"),
        NON_RETRYABLE("non_retryable"),
        CIRCUIT_OPEN("circuit_open");

        final String luaName;

        Type(String luaName) {
            this.luaName = luaName;
        }
    }

    private record ErrorValue(Type type, String message) {}

    private static final LuaTable METATABLE = new LuaTable();

    static {
        METATABLE.rawset(LuaValue.TOSTRING, new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue error) {
                return LuaValue.valueOf(payload(error).message());
            }
        });
        METATABLE.rawset(LuaValue.CONCAT, new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue left, LuaValue right) {
                return LuaValue.valueOf(concatText(left) + concatText(right));
            }
        });
        METATABLE.rawset(LuaValue.INDEX, new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue error, LuaValue key) {
                ErrorValue value = payload(error);
                return switch (key.tojstring()) {
                    case "message" -> LuaValue.valueOf(value.message());
                    case "type" -> LuaValue.valueOf(value.type().luaName);
                    default -> LuaValue.NIL;
                };
            }
        });
        METATABLE.rawset(LuaValue.NEWINDEX, new ThreeArgFunction() {
            @Override
            public LuaValue call(LuaValue error, LuaValue key, LuaValue value) {
                throw new LuaError("error values are read-only");
            }
        });
        METATABLE.rawset(LuaValue.METATABLE, LuaValue.valueOf("reliability.error"));
    }

    private ErrorValues() {}

    static LuaValue create(Type type, String message) {
        return new LuaUserdata(new ErrorValue(type, message), METATABLE);
    }

    /** Returns the type of an error value, or null for anything else (a plain string, say). */
    static Type typeOf(LuaValue value) {
        return value.isuserdata(ErrorValue.class) ? payload(value).type() : null;
    }

    /** Returns {@code message} with the type of {@code like}: an error value if it is one, else a plain string. */
    static LuaValue withTypeOf(LuaValue like, String message) {
        Type type = typeOf(like);
        return type == null ? LuaValue.valueOf(message) : create(type, message);
    }

    private static ErrorValue payload(LuaValue error) {
        return (ErrorValue) error.checkuserdata(ErrorValue.class);
    }

    private static String concatText(LuaValue value) {
        if (value.isnumber() || value.isstring()) {
            return value.tojstring();
        }
        if (value.isuserdata(ErrorValue.class)) {
            return payload(value).message();
        }
        throw new LuaError("attempt to concatenate a " + value.typename() + " value");
    }
}
