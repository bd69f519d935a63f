package dev.reliability.lua;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * LuaJ's {@code string} library, made to respect the sandbox's limits ({@link ResourceGuard}): patterns run on {@link
 * LuaPatterns}, which charges each step; {@code rep}, {@code upper}, {@code lower}, {@code format}, {@code byte} and
 * {@code reverse} check the size of what they build before they build it and charge its length; {@code dump} is gone
 * (binary chunks cannot be loaded in the sandbox anyway).
 */
final class GuardedStringLib {
    /** The largest string a library function builds: 16 MiB. */
    static final int MAX_STRING_BYTES = ResourceGuard.MAX_STRING_BYTES;

    /** Room {@code format} assumes for one converted number: Lua's widths and precisions have at most two digits. */
    private static final int FORMATTED_NUMBER_BYTES = 512;

    private static final int MAX_PADDING = 99;

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
        LuaPatterns.install(string);
        return limited(string);
    }

    /**
     * Wraps the functions whose result size follows from their arguments with a check before they run. It wraps
     * whatever implementation the table holds, so a replacement installed before it keeps its behaviour.
     */
    private static LuaTable limited(LuaTable string) {
        sized(string, "upper", args -> length(args.arg1()));
        sized(string, "lower", args -> length(args.arg1()));
        sized(string, "reverse", args -> length(args.arg1()));
        sized(string, "byte", GuardedStringLib::byteBound);
        sized(string, "format", GuardedStringLib::formatBound);
        return string;
    }

    private static double length(LuaValue value) {
        return value.isstring() ? value.strvalue().length() : 0;
    }

    /** What {@code byte(s, i, j)} builds: a value (a reference, 8 bytes at most) per byte of {@code s[i..j]}. */
    private static double byteBound(Varargs args) {
        double length = length(args.arg1());
        double first = args.arg(2).isnumber() ? args.arg(2).todouble() : 1;
        double last = args.arg(3).isnumber() ? args.arg(3).todouble() : first;
        first = first < 0 ? length + first + 1 : first;
        last = last < 0 ? length + last + 1 : last;
        return 8 * Math.max(0, Math.min(last, length) - Math.max(first, 1) + 1);
    }

    /**
     * An upper bound on what {@code format} builds: its format, plus each argument at its longest (a string at 4x
     * when the format has {@code %q}, which may escape every byte), plus the widest padding a spec allows.
     */
    private static double formatBound(Varargs args) {
        double bound = length(args.arg1());
        int quoting = args.arg1().isstring() && args.arg1().tojstring().contains("%q") ? 4 : 1;
        for (int i = 2; i <= args.narg(); i++) {
            LuaValue value = args.arg(i);
            bound += value.type() == LuaValue.TSTRING
                    ? quoting * (double) value.strvalue().length() + 2 + MAX_PADDING
                    : value.isnumber()
                            ? FORMATTED_NUMBER_BYTES
                            : LuaErrors.text(value).length() + 2.0 + MAX_PADDING;
        }
        return bound;
    }

    private static void sized(LuaTable string, String function, java.util.function.ToDoubleFunction<Varargs> bound) {
        LuaValue original = string.get(function);
        string.set(function, new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                ResourceGuard.reserve(bound.applyAsDouble(args), function);
                return original.invoke(args);
            }
        });
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
                String sized = Double.isFinite(size) ? "of " + Args.format(size) + " bytes " : "";
                throw LuaErrors.badArgument(
                        2,
                        name,
                        "resulting string " + sized + "exceeds the string size limit of " + MAX_STRING_BYTES
                                + " bytes");
            }
            if (size == 0) {
                return LuaValue.EMPTYSTRING; // "" repeated any number of times: no loop of count steps
            }
            ResourceGuard.reserve(size, name);
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
