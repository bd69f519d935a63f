package dev.reliability.lua;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * {@code string.format} as Lua 5.2 has it, on bytes: flags {@code -+ #0}, width and precision (at most two digits
 * each) for {@code %d %i %u %c %x %X %o %e %E %f %g %G %a %A %s %q %%}. LuaJ's own ignores the precision of {@code %f}
 * and {@code %g}; numbers here are the exact binary value rounded half to even, as C's {@code printf} does.
 */
final class LuaFormat extends ModuleFunction {
    private static final String FLAGS = "-+ #0";

    LuaFormat() {
        super("format");
    }

    @Override
    Varargs apply(Varargs args) {
        LuaString format = args.checkstring(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream(format.length() + 16);
        int argument = 1;
        int length = format.length();
        for (int i = 0; i < length; ) {
            int c = format.luaByte(i++);
            if (c != '%') {
                out.write(c);
                continue;
            }
            if (i < length && format.luaByte(i) == '%') {
                out.write('%');
                i++;
                continue;
            }
            Spec spec = new Spec();
            int start = i;
            while (i < length && FLAGS.indexOf(format.luaByte(i)) >= 0) {
                i++;
            }
            if (i - start >= FLAGS.length()) {
                throw new LuaError("invalid format (repeated flags)");
            }
            for (int f = start; f < i; f++) {
                spec.flag((char) format.luaByte(f));
            }
            int digits = 0;
            while (i < length && Character.isDigit(format.luaByte(i))) {
                spec.width = spec.width * 10 + format.luaByte(i++) - '0';
                digits++;
            }
            if (i < length && format.luaByte(i) == '.') {
                i++;
                spec.precision = 0;
                int precisionDigits = 0;
                while (i < length && Character.isDigit(format.luaByte(i))) {
                    spec.precision = spec.precision * 10 + format.luaByte(i++) - '0';
                    precisionDigits++;
                }
                digits = Math.max(digits, precisionDigits);
            }
            if (digits > 2) {
                throw new LuaError("invalid format (width or precision too long)");
            }
            if (i >= length) {
                throw new LuaError("invalid option '%' to 'format'");
            }
            char conversion = (char) format.luaByte(i++);
            if (conversion != 'q' && conversion != 's' && "diucxXoeEfgGaA".indexOf(conversion) < 0) {
                throw new LuaError("invalid option '%" + conversion + "' to 'format'");
            }
            argument++;
            if (conversion == 'q') {
                Args.string(args, argument, name);
                quoted(out, args.arg(argument).strvalue());
            } else if (conversion == 's') {
                string(out, spec, argumentValue(args, argument));
            } else {
                double number = Args.number(args, argument, name);
                String text =
                        switch (conversion) {
                            case 'd', 'i' -> signedInteger(spec, number);
                            case 'c' -> null;
                            case 'u', 'o', 'x', 'X' -> unsignedInteger(spec, number, conversion);
                            default -> floating(spec, number, conversion);
                        };
                if (text == null) {
                    out.write((int) (long) number);
                } else {
                    out.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
                }
            }
        }
        return LuaString.valueUsing(out.toByteArray());
    }

    private static LuaValue argumentValue(Varargs args, int index) {
        if (index > args.narg()) {
            throw LuaErrors.badArgument(index, "format", "no value");
        }
        return args.arg(index);
    }

    /** The parsed {@code %[flags][width][.precision]} of one conversion. */
    private static final class Spec {
        boolean left;
        boolean plus;
        boolean space;
        boolean alternate;
        boolean zero;
        int width;
        int precision = -1;

        void flag(char flag) {
            switch (flag) {
                case '-' -> left = true;
                case '+' -> plus = true;
                case ' ' -> space = true;
                case '#' -> alternate = true;
                default -> zero = true;
            }
        }

        String sign(boolean negative) {
            return negative ? "-" : plus ? "+" : space ? " " : "";
        }

        /** Pads sign + prefix + body to the width: left-justified, zero-filled after the prefix, or right-justified. */
        String pad(String sign, String prefix, String body, boolean zeroAllowed) {
            int fill = width - sign.length() - prefix.length() - body.length();
            if (fill <= 0) {
                return sign + prefix + body;
            }
            String spaces = " ".repeat(fill);
            if (left) {
                return sign + prefix + body + spaces;
            }
            return zero && zeroAllowed ? sign + prefix + "0".repeat(fill) + body : spaces + sign + prefix + body;
        }
    }

    private static String signedInteger(Spec spec, double number) {
        long value = (long) number; // C's conversion truncates toward zero
        String digits = value == Long.MIN_VALUE ? "9223372036854775808" : Long.toString(Math.abs(value));
        return spec.pad(spec.sign(value < 0), "", minimumDigits(spec, digits, value == 0), spec.precision < 0);
    }

    private static String unsignedInteger(Spec spec, double number, char conversion) {
        BigInteger value = new BigDecimal(number).toBigInteger();
        value = value.and(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)); // as unsigned 64 bits
        int radix = conversion == 'o' ? 8 : conversion == 'u' ? 10 : 16;
        String digits = minimumDigits(spec, value.toString(radix), value.signum() == 0);
        String prefix = "";
        if (spec.alternate && conversion == 'o' && !digits.startsWith("0")) {
            digits = "0" + digits;
        } else if (spec.alternate && radix == 16 && value.signum() != 0) {
            prefix = "0x";
        }
        String text = spec.pad("", prefix, digits, spec.precision < 0);
        return conversion == 'X' ? text.toUpperCase(Locale.ROOT) : text;
    }

    private static String minimumDigits(Spec spec, String digits, boolean zero) {
        if (spec.precision == 0 && zero) {
            return "";
        }
        return digits.length() < spec.precision ? "0".repeat(spec.precision - digits.length()) + digits : digits;
    }

    /**
     * A number as Lua 5.2 writes it ({@code "%.14g"}): {@code 1e+300}, {@code inf}, {@code 0.33333333333333}. LuaJ's own
     * conversion goes through a float and prints {@code Infinity} and {@code 0.33333334}.
     */
    static String number(double number) {
        if (Double.isNaN(number) || Double.isInfinite(number)) {
            return Double.isNaN(number) ? "nan" : number < 0 ? "-inf" : "inf";
        }
        String body = general(Math.abs(number), 14, false);
        return number < 0 || (number == 0 && 1 / number < 0) ? "-" + body : body;
    }

    private static String floating(Spec spec, double number, char conversion) {
        boolean negative = number < 0 || (number == 0 && 1 / number < 0);
        double magnitude = Math.abs(number);
        String body;
        boolean finite = !Double.isNaN(number) && !Double.isInfinite(number);
        if (!finite) {
            body = Double.isNaN(number) ? "nan" : "inf";
            negative = !Double.isNaN(number) && negative;
        } else {
            int precision = spec.precision < 0 ? 6 : spec.precision;
            body = switch (Character.toLowerCase(conversion)) {
                case 'f' -> fixed(magnitude, precision, spec.alternate);
                case 'e' -> exponent(magnitude, precision, spec.alternate);
                case 'g' -> general(magnitude, precision, spec.alternate);
                default -> hex(magnitude, spec.precision, spec.alternate);
            };
        }
        String prefix = "";
        if (finite && Character.toLowerCase(conversion) == 'a') {
            prefix = "0x";
        }
        String text = spec.pad(spec.sign(negative), prefix, body, finite);
        return Character.isUpperCase(conversion) ? text.toUpperCase(Locale.ROOT) : text;
    }

    private static String fixed(double magnitude, int precision, boolean alternate) {
        String text = new BigDecimal(magnitude)
                .setScale(precision, RoundingMode.HALF_EVEN)
                .toPlainString();
        return alternate && precision == 0 ? text + "." : text;
    }

    private static String exponent(double magnitude, int precision, boolean alternate) {
        String digits;
        int exponent;
        if (magnitude == 0) {
            digits = "0".repeat(precision + 1);
            exponent = 0;
        } else {
            BigDecimal rounded =
                    new BigDecimal(magnitude).round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
            digits = rounded.unscaledValue().toString();
            exponent = digits.length() - 1 - rounded.scale();
            digits = (digits + "0".repeat(precision + 1)).substring(0, precision + 1);
        }
        String mantissa = digits.substring(0, 1) + (precision > 0 || alternate ? "." : "") + digits.substring(1);
        String power = Integer.toString(Math.abs(exponent));
        return mantissa + (exponent < 0 ? "e-" : "e+") + (power.length() < 2 ? "0" + power : power);
    }

    private static String general(double magnitude, int precision, boolean alternate) {
        int significant = precision == 0 ? 1 : precision;
        int exponent = 0;
        if (magnitude != 0) {
            BigDecimal rounded = new BigDecimal(magnitude).round(new MathContext(significant, RoundingMode.HALF_EVEN));
            exponent = rounded.precision() - 1 - rounded.scale();
        }
        String text = significant > exponent && exponent >= -4
                ? fixed(magnitude, significant - 1 - exponent, alternate)
                : exponent(magnitude, significant - 1, alternate);
        if (alternate) {
            return text;
        }
        int e = text.indexOf('e');
        String mantissa = e < 0 ? text : text.substring(0, e);
        if (mantissa.indexOf('.') >= 0) {
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return e < 0 ? mantissa : mantissa + text.substring(e);
    }

    /** {@code %a}: C's hexadecimal form, {@code 1p+0} for 1 (the {@code 0x} prefix is added by the caller). */
    private static String hex(double magnitude, int precision, boolean alternate) {
        if (magnitude == 0) {
            return "0" + (precision > 0 ? "." + "0".repeat(precision) : alternate ? "." : "") + "p+0";
        }
        String java = Double.toHexString(magnitude); // 0x1.8p1, 0x0.0000000000001p-1022
        int p = java.indexOf('p');
        String lead = java.substring(2, 3);
        String fraction = java.substring(4, p).replaceAll("0+$", "");
        int exponent = Integer.parseInt(java.substring(p + 1));
        if (precision >= 0 && fraction.length() > precision) {
            BigInteger bits = new BigInteger(lead + fraction, 16);
            int drop = 4 * (fraction.length() - precision);
            BigInteger kept = new BigDecimal(bits)
                    .divide(new BigDecimal(BigInteger.ONE.shiftLeft(drop)), 0, RoundingMode.HALF_EVEN)
                    .toBigInteger();
            String all = kept.toString(16);
            if (all.length() > 1 + precision) { // the lead digit carried: 1.f -> 2.0
                lead = all.substring(0, all.length() - precision);
            } else {
                lead = all.substring(0, 1);
            }
            fraction = all.substring(all.length() - precision);
        } else if (precision > fraction.length()) {
            fraction = fraction + "0".repeat(precision - fraction.length());
        }
        String dot = !fraction.isEmpty() || alternate ? "." : "";
        return lead + dot + fraction + "p" + (exponent < 0 ? "-" : "+") + Math.abs(exponent);
    }

    /** {@code %s}: the value's {@code tostring}, its precision cutting bytes and its width padding with spaces. */
    private static void string(ByteArrayOutputStream out, Spec spec, LuaValue value) {
        LuaString bytes =
                value.type() == LuaValue.TSTRING ? value.strvalue() : LuaString.valueOf(LuaErrors.text(value));
        int length = spec.precision >= 0 ? Math.min(spec.precision, bytes.length()) : bytes.length();
        int fill = Math.max(0, spec.width - length);
        if (!spec.left) {
            out.writeBytes(" ".repeat(fill).getBytes(StandardCharsets.ISO_8859_1));
        }
        byte[] copy = new byte[length];
        bytes.copyInto(0, copy, 0, length);
        out.writeBytes(copy);
        if (spec.left) {
            out.writeBytes(" ".repeat(fill).getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /** {@code %q}: a string Lua reads back as the same bytes. */
    private static void quoted(ByteArrayOutputStream out, LuaString text) {
        out.write('"');
        int length = text.length();
        for (int i = 0; i < length; i++) {
            int b = text.luaByte(i);
            if (b == '"' || b == '\\' || b == '\n') {
                out.write('\\');
                out.write(b);
            } else if (b < 0x20 || b == 0x7F) {
                boolean digitNext = i + 1 < length && Character.isDigit(text.luaByte(i + 1));
                String escape = digitNext ? String.format("\\%03d", b) : "\\" + b;
                out.writeBytes(escape.getBytes(StandardCharsets.ISO_8859_1));
            } else {
                out.write(b);
            }
        }
        out.write('"');
    }
}
