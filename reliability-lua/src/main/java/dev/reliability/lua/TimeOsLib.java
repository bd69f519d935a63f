package dev.reliability.lua;

import dev.reliability.TimeSource;
import java.util.List;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.OsLib;

/**
 * The part of {@code os} a sandboxed script gets: {@code time}, {@code clock}, {@code date} and {@code difftime}, read
 * from the runtime's {@link TimeSource}. Nothing that runs commands, touches files or exits the JVM.
 */
final class TimeOsLib extends OsLib {
    private static final List<String> KEPT = List.of("time", "clock", "date", "difftime");

    private final TimeSource timeSource;
    private final long startNanos;

    TimeOsLib(TimeSource timeSource) {
        this.timeSource = timeSource;
        this.startNanos = timeSource.nanoTime();
    }

    @Override
    public LuaValue call(LuaValue modname, LuaValue env) {
        LuaValue full = super.call(modname, env);
        LuaTable os = new LuaTable();
        for (String name : KEPT) {
            os.set(name, full.get(name));
        }
        return Modules.register(env, "os", os);
    }

    /** Seconds since this runtime started; scripts use it to measure elapsed time, as with Lua's CPU clock. */
    @Override
    protected double clock() {
        return (timeSource.nanoTime() - startNanos) / 1e9;
    }

    @Override
    protected double time(LuaTable table) {
        if (table != null) {
            return super.time(table);
        }
        return timeSource.instant().getEpochSecond(); // whole seconds, as os.time gives
    }
}
