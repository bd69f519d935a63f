package dev.reliability.lua;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;

/**
 * LuaJ's {@code string} library with two changes: {@code rep} refuses results beyond {@link #MAX_STRING_BYTES}, and
 * {@code dump} is gone (binary chunks cannot be loaded in the sandbox anyway).
 */
final class GuardedStringLib {
    /** The largest string {@code string.rep} builds: 16 MiB. */
    static final int MAX_STRING_BYTES = 16 << 20;

    private GuardedStringLib() {}

    /** Returns a fresh, writable {@code string} table for one runtime. */
    static LuaTable create() {
        // StringLib registers into a globals' package.loaded, so it is built inside a throwaway one.
        Globals scratch = new Globals();
        scratch.load(new PackageLib());
        LuaTable string = (LuaTable) scratch.load(new StringLib());
        string.set("rep", new Rep());
        string.set("dump", LuaValue.NIL);
        string.set("format", new LuaFormat()); // Lua 5.2's precision and width, which LuaJ's ignores in part
        LuaErrors.guard(
                string, "byte", "char", "find", "gmatch", "gsub", "len", "lower", "match", "reverse", "sub", "upper");
        return string;
    }

    static final class Rep extends ModuleFunction {
        Rep() {
            super("rep");
        }

        @Override
        Varargs apply(Varargs args) {
            LuaString text = args.arg1().isstring() ? args.arg1().strvalue() : null;
            if (text == null) {
                throw LuaErrors.badArgumentType(1, name, "string", args.arg1());
            }
            double count = Args.number(args, 2, name);
            LuaString separator = LuaValue.EMPTYSTRING;
            if (!args.arg(3).isnil()) {
                Args.string(args, 3, name); // checks the type
                separator = args.arg(3).strvalue();
            }
            if (count < 1) {
                return LuaValue.EMPTYSTRING;
            }
            double size = count * text.length() + (count - 1) * separator.length();
            if (!(size <= MAX_STRING_BYTES)) { // also NaN: an infinite count with an empty separator
                throw LuaErrors.badArgument(
                        2,
                        name,
                        "resulting string of " + Args.format(size) + " bytes exceeds the string size limit of "
                                + MAX_STRING_BYTES + " bytes");
            }
            int n = (int) count;
            byte[] bytes = new byte[(int) size];
            int offset = 0;
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    separator.copyInto(0, bytes, offset, separator.length());
                    offset += separator.length();
                }
                text.copyInto(0, bytes, offset, text.length());
                offset += text.length();
            }
            return LuaString.valueUsing(bytes);
        }
    }
}
