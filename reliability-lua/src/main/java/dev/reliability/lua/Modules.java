package dev.reliability.lua;

import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/** Registers a module both as a global and in {@code package.loaded}, so {@code require} returns the same table. */
final class Modules {
    private Modules() {}

    static LuaTable register(LuaValue env, String name, LuaTable module) {
        env.set(name, module);
        LuaValue packageTable = env.get("package");
        if (packageTable.istable()) {
            packageTable.get("loaded").set(name, module);
        }
        return module;
    }

    static void add(LuaTable module, ModuleFunction function) {
        module.set(function.luaName(), function);
    }
}
