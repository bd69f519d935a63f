package dev.reliability.lua;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * A library function whose Java failures are translated by {@link LuaErrors}: Lua errors and VM limits pass through,
 * anything else becomes a Lua error naming the function.
 */
abstract class ModuleFunction extends VarArgFunction {

    ModuleFunction(String name) {
        this.name = name;
    }

    @Override
    public final Varargs invoke(Varargs args) {
        try {
            return apply(args);
        } catch (LuaError error) {
            throw error;
        } catch (RuntimeException failure) {
            throw LuaErrors.translate(name, failure);
        }
    }

    /** Runs the function. {@code name} is the Lua name used in error messages. */
    abstract Varargs apply(Varargs args);

    /** The Lua name, as in error messages; LuaJ's own {@code name()} returns a class name. */
    String luaName() {
        return name;
    }
}
