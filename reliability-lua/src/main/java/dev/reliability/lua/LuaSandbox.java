package dev.reliability.lua;

import static java.util.Objects.requireNonNull;

import dev.reliability.TimeSource;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.BaseLib;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.jse.JseMathLib;

/**
 * Builds locked-down Lua runtimes and runs scripts in them.
 *
 * <p>A sandboxed runtime has the base library (without {@code dofile} and {@code loadfile}, with a {@code load}
 * that accepts source only, and with an {@code error}, {@code xpcall} and {@code print} that keep a string's bytes), {@code package} (without the file and Java searchers, so {@code require} finds only
 * preloaded modules), {@code table}, {@code string}, {@code math}, and of {@code os} only {@code time}, {@code clock},
 * {@code date} and {@code difftime}; plus the modules of a {@link ReliabilityLua}. There is no {@code io}, {@code
 * debug}, {@code luajava} or {@code os.execute}.
 *
 * <p>Limits, per {@link #run}: an instruction budget that also counts the work inside library calls (patterns,
 * {@code rep}, {@code upper}, {@code format}, {@code table.concat}, globs), a heap guard that stops a run when most of
 * the heap is in use and that library calls consult before they allocate, a 16 MiB cap on any string or body a
 * library call builds, and a wall-clock limit that also ends retry waits, lock waits and http calls. A hit limit
 * ends the run, even inside {@code pcall} or a callback, and the locks the run took are released. Errors read as
 * Lua's own, {@code name:line: message}, without Java class names.
 *
 * <p>The string metatable is global in LuaJ. Inside a sandboxed run, string methods are the sandbox's guarded ones,
 * read-only and shared, so one script cannot change {@code ("x"):upper()} for another; on any other thread or outside
 * a run they are LuaJ's own, so a plain LuaJ runtime in the same JVM behaves as it would alone (except that methods
 * added to its {@code string} table are not seen by {@code s:method()} calls).
 *
 * <p>A runtime ({@link Globals}) must be used by one thread at a time.
 */
public final class LuaSandbox {
    /** Share of the maximum heap in use at which a run is stopped. */
    static final double HEAP_LIMIT_FRACTION = 0.9;

    static {
        // Read first: set if a plain LuaJ runtime loaded its string library before (building ours would set it too).
        LuaValue previous = LuaString.s_metatable;
        LuaTable sandboxed = GuardedStringLib.create();
        LuaValue plain = previous != null && previous.istable() ? previous.get(LuaValue.INDEX) : stockStringLib();
        LuaTable metatable = new LuaTable();
        metatable.set(LuaValue.INDEX, new StringMethods(sandboxed, plain));
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
        Globals globals = libraries(
                modules.instructionLimit(),
                modules.timeLimit(),
                modules.registry().timeSource());
        return install(globals, modules);
    }

    /**
     * The first part of {@link #create}: a sandboxed runtime with Lua's own libraries and the limits, but not yet the
     * modules, which need the registry and the store. The CLI builds it while its state store opens.
     */
    static Globals libraries(long instructionLimit, Duration timeLimit, TimeSource time) {
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
        globals.load(new TimeOsLib(time));
        LuaC.install(globals); // source only: no undumper, so no binary chunks

        LuaValue collect = globals.get("collectgarbage");
        globals.set("collectgarbage", new CollectGarbage(collect));
        LuaValue table = globals.get("table");
        table.set("concat", new SizedConcat(table.get("concat")));
        table.set("unpack", new SizedUnpack(table.get("unpack")));

        ResourceGuard guard = new ResourceGuard(instructionLimit, HEAP_LIMIT_FRACTION, timeLimit, time);
        globals.debuglib = guard;
        ByteExactBaseLib.install(globals, guard);
        globals.running.errorfunc = new LuaErrors.Normalizer();
        return globals;
    }

    /**
     * The second part of {@link #create}: installs the modules into a runtime from {@link #libraries}, built with the
     * same limits and time source.
     */
    static Globals install(Globals globals, ReliabilityLua modules) {
        modules.install(globals);
        InterningCompiler.install(globals); // after every library, so compiled names become the libraries' own keys
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
        guard.begin();
        boolean failed = true;
        try {
            Varargs results = chunk.invoke(LuaValue.varargsOf(args));
            failed = false;
            return results;
        } catch (ScriptLimitError limit) {
            throw new LuaError(chunkName + ": " + limit.getMessage());
        } catch (StackOverflowError overflow) {
            throw new LuaError(chunkName + ": stack overflow");
        } catch (OutOfMemoryError exhausted) {
            throw new LuaError(chunkName + ": memory limit exceeded: out of heap");
        } catch (LuaError uncaught) {
            String message = LuaErrors.uncaught(uncaught);
            throw message.equals(uncaught.getMessage()) ? uncaught : new LuaErrors.TranslatedError(message, uncaught);
        } finally {
            guard.end(failed);
        }
    }

    private static LuaValue stockStringLib() {
        Globals scratch = new Globals();
        scratch.load(new PackageLib());
        LuaValue string = scratch.load(new StringLib());
        return string;
    }

    /**
     * The string metatable's {@code __index}: read-only, and the sandbox's guarded functions during a sandboxed run on
     * this thread, LuaJ's own otherwise.
     */
    private static final class StringMethods extends ReadOnlyTable {
        private final LuaValue plain;

        StringMethods(LuaTable sandboxed, LuaValue plain) {
            super(sandboxed);
            this.plain = plain;
        }

        @Override
        public LuaValue rawget(LuaValue key) {
            return ResourceGuard.current() != null ? super.rawget(key) : plain.get(key);
        }
    }

    /**
     * {@code collectgarbage} without collections on demand: a full GC per call would let a loop spend the JVM's time.
     * {@code "collect"} and {@code "step"} do nothing; {@code "count"} still answers.
     */
    private static final class CollectGarbage extends VarArgFunction {
        private final LuaValue original;

        CollectGarbage(LuaValue original) {
            this.original = original;
            this.name = "collectgarbage";
        }

        @Override
        public Varargs invoke(Varargs args) {
            String option = args.arg1().isnil() ? "collect" : args.arg1().tojstring();
            return switch (option) {
                case "collect" -> LuaValue.ZERO;
                case "step" -> LuaValue.TRUE;
                default -> original.invoke(args);
            };
        }
    }

    /** {@code table.concat} that sums the size of its result (charging each item) before it builds it. */
    private static final class SizedConcat extends VarArgFunction {
        private final LuaValue original;

        SizedConcat(LuaValue original) {
            this.original = original;
        }

        @Override
        public Varargs invoke(Varargs args) {
            LuaValue list = args.arg1();
            if (list.istable()) {
                LuaValue separator = args.arg(2);
                int first = args.arg(3).isnumber() ? args.arg(3).toint() : 1;
                int last = args.arg(4).isnumber() ? args.arg(4).toint() : list.length();
                double size = 0;
                long items = 0;
                for (long i = first; i <= last; i++) {
                    LuaValue item = list.get((int) i);
                    if (!item.isstring()) {
                        break; // the original raises its own error for it
                    }
                    size += item.strvalue().length() + (i > first && separator.isstring() ? separator.length() : 0);
                    if (++items % 1024 == 0) {
                        ResourceGuard.chargeCurrent(1024);
                        if (size > GuardedStringLib.MAX_STRING_BYTES) {
                            break;
                        }
                    }
                }
                ResourceGuard.reserve(size, "concat");
            }
            return original.invoke(args);
        }
    }

    /** {@code table.unpack} that checks the size of its results before it builds them. */
    private static final class SizedUnpack extends VarArgFunction {
        private final LuaValue original;

        SizedUnpack(LuaValue original) {
            this.original = original;
        }

        @Override
        public Varargs invoke(Varargs args) {
            if (args.arg1().istable()) {
                double first = args.arg(2).isnumber() ? args.arg(2).todouble() : 1;
                double last = args.arg(3).isnumber()
                        ? args.arg(3).todouble()
                        : args.arg1().length();
                ResourceGuard.reserve(8 * Math.max(0, last - first + 1), "unpack");
            }
            return original.invoke(args);
        }
    }
}
