package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code string.format} against the output of Lua 5.2 (C's printf) for each conversion, flag, width and precision. */
class LuaFormatTest {
    private final LuaHarness lua = new LuaHarness();

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiterString = " => ",
            quoteCharacter = '`',
            value = {
                "('%.0f|%.2f'):format(132.72218, 1/3) => 133|0.33",
                "('%5.1f|%10.3f|%-7.2f|'):format(3.14159, -3.14159, 2.5) => `  3.1|    -3.142|2.50   |`",
                "('%.2f|%.2f|%f|%.0f|%.0f'):format(2.675, 0.125, 1e15, 0.5, 1.5) => 2.67|0.12|1000000000000000.000000|0|2",
                "('%d|%i|%+d|% d|%05d|%.3d|%-6d|'):format(42, -7, 5, 5, -42, 7, 3) => 42|-7|+5| 5|-0042|007|3     |",
                "('%d|%.0d|%5.3d'):format(3.7, 0, -5) => 3|| -005",
                "('%u|%x|%X|%#x|%#X|%o|%#o|%08x'):format(-1, 255, 255, 255, 0, 8, 8, 48879) "
                        + "=> 18446744073709551615|ff|FF|0xff|0|10|010|0000beef",
                "('%e|%.2E|%10.1e|%.0e|%#.0e'):format(12345.6789, 0.000123, -5, 7, 7) "
                        + "=> 1.234568e+04|1.23E-04|  -5.0e+00|7e+00|7.e+00",
                "('%g|%g|%g|%g|%.3g|%#g|%g|%G'):format(100000, 1000000, 0.0001, 0.00001, 3.14159, 1, 0.1, 1e-10) "
                        + "=> 100000|1e+06|0.0001|1e-05|3.14|1.00000|0.1|1E-10",
                "('%g|%.0g|%.10g|%g'):format(0, 123, 1/3, 2^63) => 0|1e+02|0.3333333333|9.22337e+18",
                "('%a|%a|%A|%a|%.3a|%a'):format(1, 0.5, 3, 0, 1.5, -0.1) "
                        + "=> 0x1p+0|0x1p-1|0X1.8P+1|0x0p+0|0x1.800p+0|-0x1.999999999999ap-4",
                "('%c%c%c'):format(76, 117, 97) => Lua",
                "('%5s|%-5s|%.2s|%s|%s'):format('ab', 'ab', 'abc', 12, true) => `   ab|ab   |ab|12|true`",
                "('%5.1f|%f|%-5f|%05.1f|%e'):format(1/0, -1/0, 1/0, 1/0, 0/0 ~= 0/0 and 1/0 or 0) "
                        + "=> `  inf|-inf|inf  |  inf|inf`",
                "('%%|x'):format() => %|x",
                "('%q'):format('a\"b\\\\\\0c\\r1\\0011') => `\"a\\\"b\\\\\\0c\\0131\\0011\"`",
            })
    void matchesLua52(String expression, String expected) {
        assertThat(lua.run("return " + expression).tojstring(1)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiterString = " => ",
            value = {
                "string.format('%y', 1) => test.lua:1: invalid option '%y' to 'format'",
                "string.format('%123d', 1) => test.lua:1: invalid format (width or precision too long)",
                "string.format('%-+ #0-d', 1) => test.lua:1: invalid format (repeated flags)",
                "string.format('%d', 'x') => test.lua:1: bad argument #2 to 'format' (number expected, got string)",
                "string.format('%s') => test.lua:1: bad argument #2 to 'format' (no value)",
            })
    void badFormatsRaiseLuasErrors(String script, String message) {
        assertThat(lua.error(script)).isEqualTo(message);
    }
}
