package dev.reliability.lua;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The sandbox's {@code load}: Lua source only. A binary chunk could carry bytecode the compiler never checked, so it
 * is refused with Lua's own message.
 */
final class TextOnlyLoad extends VarArgFunction {
    private final Globals globals;

    TextOnlyLoad(Globals globals) {
        this.globals = globals;
        this.name = "load";
    }

    @Override
    public Varargs invoke(Varargs args) {
        LuaValue chunk = args.arg1();
        if (!chunk.isstring() && !chunk.isfunction()) {
            throw LuaErrors.badArgumentType(1, "load", "string or function", chunk);
        }
        byte[] source = chunk.isstring() ? bytes(chunk) : readPieces(chunk);
        String chunkName = args.arg(2).isnil() ? (chunk.isstring() ? chunk.tojstring() : "=(load)") : args.tojstring(2);
        String mode = args.arg(3).isnil() ? "bt" : args.tojstring(3);
        LuaValue env = args.arg(4).isnil() ? globals : args.arg(4);
        if (source.length > 0 && source[0] == 27) {
            return failure("attempt to load a binary chunk (mode is 't')");
        }
        if (mode.indexOf('t') < 0) {
            return failure("attempt to load a text chunk (mode is '" + mode + "')");
        }
        String name = "=" + LuaErrors.chunkId(chunkName); // positions then read as Lua's, never the whole source
        try {
            return globals.load(new ByteArrayInputStream(source), name, "t", env);
        } catch (LuaError error) {
            return failure(LuaErrors.compileFailure(name, error));
        }
    }

    private static byte[] bytes(LuaValue string) {
        return LuaValues.byteArray(string.strvalue());
    }

    private static byte[] readPieces(LuaValue reader) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (LuaValue piece = reader.call(); piece.isstring() && piece.length() > 0; piece = reader.call()) {
            if (out.size() + piece.length() > ResourceGuard.MAX_STRING_BYTES) {
                throw new LuaError(
                        "load: chunk exceeds the string size limit of " + ResourceGuard.MAX_STRING_BYTES + " bytes");
            }
            out.writeBytes(bytes(piece));
        }
        return out.toByteArray();
    }

    private static Varargs failure(String message) {
        return LuaValue.varargsOf(LuaValue.NIL, LuaValue.valueOf(message));
    }
}
