package dev.reliability.lua;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.BaseLib;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseMathLib;

/**
 * Builds locked-down Lua runtimes and runs scripts in them.
 *
 * <p>A sandboxed runtime has the base library (without {@code dofile} and {@code loadfile}, and with a {@code load}
 * that accepts source only), {@code package} (without the file and Java searchers, so {@code require} finds only
 * preloaded modules), {@code table}, {@code string}, {@code math}, and of {@code os} only {@code time}, {@code clock},
 * {@code date} and {@code difftime}; plus the modules of a {@link ReliabilityLua}. There is no {@code io}, {@code
 * debug}, {@code luajava} or {@code os.execute}.
 *
 * <p>Limits: an instruction budget per run (ending loops even inside {@code pcall}), a heap guard that stops a run
 * when most of the heap is in use, and a 16 MiB cap on {@code string.rep}. Errors read as Lua's own, {@code
 * name:line: message}, without Java class names. The string metatable is read-only and shared, so one script cannot
 * change string methods for another.
 *
 * <p>A runtime ({@link Globals}) must be used by one thread at a time.
 */
public final class LuaSandbox {
    /** Share of the maximum heap in use at which a run is stopped. */
    static final double HEAP_LIMIT_FRACTION = 0.9;

    static {
        LuaTable metatable = new LuaTable();
        metatable.set(LuaValue.INDEX, new ReadOnlyTable(GuardedStringLib.create()));
        // LuaJ keeps the string metatable in a static field; sealing it keeps runtimes from seeing each other's edits.
        LuaString.s_metatable = new ReadOnlyTable(metatable);
    }

    private LuaSandbox() {}

    /**
     * Returns a new sandboxed runtime with the given modules installed.
     *
     * @param modules the modules and limits
     * @return a runtime for one thread
     * @throws NullPointerException if {@code modules} is null
     */
    public static Globals create(ReliabilityLua modules) {
        requireNonNull(modules, "modules");
        Globals globals = new Globals();
        globals.load(new BaseLib());
        globals.set("dofile", LuaValue.NIL);
        globals.set("loadfile", LuaValue.NIL);
        globals.set("load", new TextOnlyLoad(globals));
        LuaErrors.guard(globals, "tonumber");

        globals.load(new PackageLib());
        LuaValue packageTable = globals.get("package");
        LuaTable searchers = new LuaTable();
        searchers.set(1, packageTable.get("searchers").get(1)); // package.preload only
        packageTable.set("searchers", searchers);
        for (String name : new String[] {"loadlib", "searchpath", "path", "cpath"}) {
            packageTable.set(name, LuaValue.NIL);
        }

        globals.load(new TableLib());
        Modules.register(globals, "string", GuardedStringLib.create());
        globals.load(new JseMathLib());
        globals.load(new TimeOsLib(modules.registry().timeSource()));
        LuaC.install(globals); // source only: no undumper, so no binary chunks

        globals.debuglib = new ResourceGuard(modules.instructionLimit(), HEAP_LIMIT_FRACTION);
        globals.running.errorfunc = new LuaErrors.Normalizer();
        modules.install(globals);
        return globals;
    }

    /**
     * The script's bytes as Lua reads them: UTF-8, with a leading byte-order mark skipped. (LuaJ's own {@code
     * load(String)} encodes each UTF-16 unit on its own, which makes an emoji literal 6 bytes instead of 4.)
     */
    private static InputStream source(String script) {
        String text = script.startsWith("\uFEFF") ? script.substring(1) : script;
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Compiles and runs a script in a sandboxed runtime with a fresh instruction budget.
     *
     * @param globals a runtime from {@link #create}
     * @param script the Lua source
     * @param chunkName the name errors are reported under, such as {@code "job.lua"}
     * @param args the values the chunk receives as {@code ...}
     * @return the chunk's results
     * @throws LuaError if the script does not compile, raises an error, or hits a limit; the message reads {@code
     *     chunkName:line: message}, or names the limit
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code globals} was not built by {@link #create}
     */
    public static Varargs run(Globals globals, String script, String chunkName, LuaValue... args) {
        requireNonNull(script, "script");
        requireNonNull(chunkName, "chunkName");
        if (!(requireNonNull(globals, "globals").debuglib instanceof ResourceGuard guard)) {
            throw new IllegalArgumentException("globals must come from LuaSandbox.create");
        }
        LuaValue chunk;
        try {
            chunk = globals.load(source(script), "@" + chunkName, "t", globals); // "@": errors read name:line
        } catch (LuaError syntax) {
            throw new LuaError(LuaErrors.compileFailure("@" + chunkName, syntax));
        }
        guard.reset();
        try {
            return chunk.invoke(LuaValue.varargsOf(args));
        } catch (ScriptLimitError limit) {
            throw new LuaError(chunkName + ": " + limit.getMessage());
        } catch (StackOverflowError overflow) {
            throw new LuaError(chunkName + ": stack overflow");
        } catch (OutOfMemoryError exhausted) {
            throw new LuaError(chunkName + ": memory limit exceeded: out of heap");
        } catch (LuaError uncaught) {
            String message = LuaErrors.uncaught(uncaught);
            throw message.equals(uncaught.getMessage()) ? uncaught : new LuaErrors.TranslatedError(message, uncaught);
        }
    }
}
