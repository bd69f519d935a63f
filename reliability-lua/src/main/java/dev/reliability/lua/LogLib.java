package dev.reliability.lua;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.TwoArgFunction;

/**
 * The seed's {@code log} module: {@code log.debug|info|warn|error(message, fields?)} through a {@link System.Logger}.
 * Fields are appended as {@code key=value}, sorted by key, so one line carries the event and its context.
 */
final class LogLib extends TwoArgFunction {
    private final Logger logger;

    LogLib(Logger logger) {
        this.logger = logger;
    }

    @Override
    public LuaValue call(LuaValue modname, LuaValue env) {
        LuaTable module = new LuaTable();
        Modules.add(module, level("debug", Level.DEBUG));
        Modules.add(module, level("info", Level.INFO));
        Modules.add(module, level("warn", Level.WARNING));
        Modules.add(module, level("error", Level.ERROR));
        return Modules.register(env, "log", module);
    }

    private ModuleFunction level(String name, Level level) {
        return new ModuleFunction(name) {
            @Override
            Varargs apply(Varargs args) {
                if (args.arg1().isnil()) {
                    throw LuaErrors.badArgumentType(1, name, "value", args.arg1());
                }
                LuaTable fields = Args.optionalTable(args, 2, name);
                if (logger.isLoggable(level)) {
                    logger.log(level, line(LuaErrors.escapeControls(LuaErrors.text(args.arg1())), fields));
                }
                return LuaValue.NONE;
            }
        };
    }

    static String line(String message, LuaTable fields) {
        List<String> pairs = new ArrayList<>();
        for (Varargs entry = fields.next(LuaValue.NIL); !entry.arg1().isnil(); entry = fields.next(entry.arg1())) {
            pairs.add(LuaErrors.escapeControls(LuaErrors.text(entry.arg1())) + "="
                    + quoteIfNeeded(LuaErrors.escapeControls(LuaErrors.text(entry.arg(2)))));
        }
        pairs.sort(null);
        StringBuilder line = new StringBuilder(message);
        for (String pair : pairs) {
            line.append(' ').append(pair);
        }
        return line.toString();
    }

    private static String quoteIfNeeded(String value) {
        return value.isEmpty() || value.chars().anyMatch(c -> c == ' ' || c == '"' || c == '=')
                ? '"' + value.replace("\"", "\\\"") + '"'
                : value;
    }
}
