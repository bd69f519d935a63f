package dev.reliability.lua;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.Varargs;

/**
 * LuaJ's compiler, with the short string constants of every chunk a runtime compiles replaced by one shared instance
 * per content: the library's own table keys where they exist, else the first chunk's.
 *
 * <p>Why: LuaJ finds a string key in a table by comparing the bytes unless both are the same instance, and each
 * compile, like each key set from Java, makes new instances. So every {@code reliability.circuit_breaker} or global
 * lookup compared bytes twice per call; with one instance the comparison is a reference check. Strings stay equal by
 * content either way, so nothing a script sees changes.
 *
 * <p>Bounded: at most {@link #MAX_ENTRIES} strings of at most {@link #MAX_LENGTH} bytes each, so a script that loads
 * many chunks cannot grow the table; constants beyond it are left as compiled. One per runtime, used by the thread
 * that runs it.
 */
final class InterningCompiler implements Globals.Compiler {
    static final int MAX_ENTRIES = 4096;
    static final int MAX_LENGTH = 40;

    private final Globals.Compiler compiler;
    private final Map<LuaString, LuaString> strings = new HashMap<>();

    private InterningCompiler(Globals.Compiler compiler) {
        this.compiler = compiler;
    }

    /**
     * Wraps the runtime's compiler, seeded with the string keys of its globals and of the tables they hold (the
     * libraries), so compiled names become those very keys. Call it after every library is installed.
     */
    static void install(Globals globals) {
        InterningCompiler interning = new InterningCompiler(globals.compiler);
        interning.seed(globals);
        for (LuaValue key : globals.keys()) {
            LuaValue value = globals.rawget(key);
            if (value.istable()) {
                interning.seed((LuaTable) value);
            }
        }
        globals.compiler = interning;
    }

    private void seed(LuaTable table) {
        for (Varargs entry = table.next(LuaValue.NIL); !entry.arg1().isnil(); entry = table.next(entry.arg1())) {
            if (entry.arg1().type() == LuaValue.TSTRING) {
                intern((LuaString) entry.arg1());
            }
        }
    }

    @Override
    public Prototype compile(InputStream stream, String chunkName) throws IOException {
        Prototype prototype = compiler.compile(stream, chunkName);
        intern(prototype);
        return prototype;
    }

    private void intern(Prototype prototype) {
        LuaValue[] constants = prototype.k;
        for (int i = 0; i < constants.length; i++) {
            if (constants[i].type() == LuaValue.TSTRING) {
                constants[i] = intern((LuaString) constants[i]);
            }
        }
        for (Prototype nested : prototype.p) {
            intern(nested);
        }
    }

    /** The shared instance for this content, remembering this one if there is none and room is left. */
    LuaString intern(LuaString string) {
        if (string.length() > MAX_LENGTH) {
            return string;
        }
        LuaString shared = strings.get(string);
        if (shared != null) {
            return shared;
        }
        if (strings.size() < MAX_ENTRIES) {
            strings.put(string, string);
        }
        return string;
    }
}
