package dev.reliability.lua;

import java.io.ByteArrayOutputStream;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * Lua 5.2 patterns for {@code string.find}, {@code match}, {@code gmatch} and {@code gsub}, written to be stopped: the
 * matcher backtracks as Lua's does, so a pattern such as {@code ".-.-.-.-b"} can take time polynomial in the subject,
 * and every step it takes is charged to the instruction budget of the run in progress ({@link ResourceGuard}), so
 * such a call ends with the budget instead of running for hours. LuaJ's own matcher has no such hook. Recursion is
 * capped as in C Lua ("pattern too complex"), and {@code gsub} checks its result's size before it grows.
 */
final class LuaPatterns {
    private static final int MAX_CAPTURES = 32;
    private static final int MAX_DEPTH = 200;
    private static final int CAP_UNFINISHED = -1;
    private static final int CAP_POSITION = -2;
    private static final int STEPS_PER_CHARGE = 1 << 10;
    private static final String SPECIALS = "^$*+?.([%-";

    private LuaPatterns() {}

    /** Installs the four pattern functions into a {@code string} table. */
    static void install(LuaTable string) {
        string.set("find", new Search("find", true));
        string.set("match", new Search("match", false));
        string.set("gmatch", new GMatch());
        string.set("gsub", new GSub());
    }

    private static LuaString subject(Varargs args, int index, String function) {
        LuaValue value = args.arg(index);
        if (!value.isstring()) {
            throw LuaErrors.badArgumentType(index, function, "string", value);
        }
        return value.strvalue();
    }

    private static int integer(Varargs args, int index, String function, int defaultValue) {
        LuaValue value = args.arg(index);
        if (value.isnil()) {
            return defaultValue;
        }
        if (!value.isnumber()) {
            throw LuaErrors.badArgumentType(index, function, "number", value);
        }
        double number = value.todouble();
        return number >= Integer.MAX_VALUE
                ? Integer.MAX_VALUE
                : number <= Integer.MIN_VALUE ? Integer.MIN_VALUE : (int) number;
    }

    /** {@code find} and {@code match}: one search from {@code init}. */
    private static final class Search extends VarArgFunction {
        private final boolean find;

        Search(String name, boolean find) {
            this.name = name;
            this.find = find;
        }

        @Override
        public Varargs invoke(Varargs args) {
            LuaString s = subject(args, 1, name);
            LuaString p = subject(args, 2, name);
            int length = s.length();
            int init = integer(args, 3, name, 1);
            init = init > 0 ? init : init == 0 || -init > length ? 1 : length + init + 1;
            if (init > length + 1) {
                return NIL;
            }
            if (find && (args.arg(4).toboolean() || noSpecials(p))) {
                int at = plainFind(s, p, init - 1);
                return at < 0 ? NIL : varargsOf(valueOf(at + 1), valueOf(at + p.length()));
            }
            Matcher m = new Matcher(s, p);
            boolean anchor = p.length() > 0 && p.luaByte(0) == '^';
            int start = init - 1;
            do {
                m.level = 0;
                int end = m.match(start, anchor ? 1 : 0);
                if (end != -1) {
                    return find
                            ? varargsOf(valueOf(start + 1), valueOf(end), m.captures(false, start, end))
                            : m.captures(true, start, end);
                }
            } while (start++ < length && !anchor);
            return NIL;
        }

        private static boolean noSpecials(LuaString p) {
            for (int i = 0; i < p.length(); i++) {
                if (SPECIALS.indexOf(p.luaByte(i)) >= 0) {
                    return false;
                }
            }
            return true;
        }

        /** A naive search that charges each comparison, so a long needle in a long subject costs what it does. */
        private static int plainFind(LuaString s, LuaString p, int from) {
            int n = s.length();
            int m = p.length();
            long steps = 0;
            try {
                for (int i = from; i + m <= n; i++) {
                    int j = 0;
                    while (j < m && s.luaByte(i + j) == p.luaByte(j)) {
                        j++;
                    }
                    steps += j + 1;
                    if (steps > STEPS_PER_CHARGE) {
                        ResourceGuard.chargeCurrent(steps);
                        steps = 0;
                    }
                    if (j == m) {
                        return i;
                    }
                }
                return -1;
            } finally {
                ResourceGuard.chargeCurrent(steps);
            }
        }
    }

    private static final class GMatch extends VarArgFunction {
        GMatch() {
            this.name = "gmatch";
        }

        @Override
        public Varargs invoke(Varargs args) {
            LuaString s = subject(args, 1, name);
            LuaString p = subject(args, 2, name);
            return new VarArgFunction() {
                private int position;

                @Override
                public Varargs invoke(Varargs ignored) {
                    Matcher m = new Matcher(s, p);
                    for (; position <= s.length(); position++) {
                        m.level = 0;
                        int end = m.match(position, 0);
                        if (end != -1) {
                            int start = position;
                            position = end == start ? end + 1 : end;
                            return m.captures(true, start, end);
                        }
                    }
                    return NIL;
                }
            };
        }
    }

    private static final class GSub extends VarArgFunction {
        GSub() {
            this.name = "gsub";
        }

        @Override
        public Varargs invoke(Varargs args) {
            LuaString s = subject(args, 1, name);
            LuaString p = subject(args, 2, name);
            LuaValue replacement = args.arg(3);
            int type = replacement.type();
            if (type != TNUMBER && type != TSTRING && type != TTABLE && type != TFUNCTION) {
                throw LuaErrors.badArgument(3, name, "string/function/table expected, got " + replacement.typename());
            }
            int maxReplacements = integer(args, 4, name, s.length() + 1);
            boolean anchor = p.length() > 0 && p.luaByte(0) == '^';
            Matcher m = new Matcher(s, p);
            ByteArrayOutputStream result = new ByteArrayOutputStream(s.length());
            int position = 0;
            int count = 0;
            while (count < maxReplacements) {
                m.level = 0;
                int end = m.match(position, anchor ? 1 : 0);
                if (end != -1) {
                    count++;
                    m.addValue(result, position, end, replacement);
                }
                if (end != -1 && end > position) {
                    position = end;
                } else if (position < s.length()) {
                    m.append(result, s.substring(position, position + 1));
                    position++;
                } else {
                    break;
                }
                if (anchor) {
                    break;
                }
            }
            m.append(result, s.substring(position, s.length()));
            return varargsOf(LuaString.valueUsing(result.toByteArray()), valueOf(count));
        }
    }

    /** The state of one match of a pattern against a subject, as in C Lua's {@code MatchState}. */
    private static final class Matcher {
        private final LuaString s;
        private final LuaString p;
        private final int sLength;
        private final int pLength;
        private final int[] captureStart = new int[MAX_CAPTURES];
        private final int[] captureLength = new int[MAX_CAPTURES];
        private int level;
        private int depth;
        private int steps;

        Matcher(LuaString s, LuaString p) {
            this.s = s;
            this.p = p;
            this.sLength = s.length();
            this.pLength = p.length();
        }

        private int pat(int i) {
            return i < pLength ? p.luaByte(i) : 0;
        }

        private void step() {
            if (++steps == STEPS_PER_CHARGE) {
                steps = 0;
                ResourceGuard.chargeCurrent(STEPS_PER_CHARGE);
            }
        }

        /** Returns the end of the match of pattern position {@code pi} at subject position {@code si}, or -1. */
        @SuppressWarnings("OrphanedFormatString") // '%f' in a message is the Lua pattern item, in Lua's own words
        int match(int si, int pi) {
            if (++depth > MAX_DEPTH) {
                throw new LuaError("pattern too complex");
            }
            try {
                while (true) {
                    step();
                    if (pi == pLength) {
                        return si;
                    }
                    int c = pat(pi);
                    if (c == '(') {
                        return pat(pi + 1) == ')'
                                ? startCapture(si, pi + 2, CAP_POSITION)
                                : startCapture(si, pi + 1, CAP_UNFINISHED);
                    }
                    if (c == ')') {
                        return endCapture(si, pi + 1);
                    }
                    if (c == '$' && pi + 1 == pLength) {
                        return si == sLength ? si : -1;
                    }
                    if (c == '%' && pat(pi + 1) == 'b') {
                        si = matchBalance(si, pi + 2);
                        if (si == -1) {
                            return -1;
                        }
                        pi += 4;
                        continue;
                    }
                    if (c == '%' && pat(pi + 1) == 'f') {
                        pi += 2;
                        if (pat(pi) != '[') {
                            throw new LuaError("missing '[' after '%f' in pattern");
                        }
                        int ep = classEnd(pi);
                        int previous = si == 0 ? 0 : s.luaByte(si - 1);
                        int current = si < sLength ? s.luaByte(si) : 0;
                        if (matchBracketClass(previous, pi, ep - 1) || !matchBracketClass(current, pi, ep - 1)) {
                            return -1;
                        }
                        pi = ep;
                        continue;
                    }
                    if (c == '%' && Character.isDigit(pat(pi + 1))) {
                        si = matchCapture(si, pat(pi + 1));
                        if (si == -1) {
                            return -1;
                        }
                        pi += 2;
                        continue;
                    }
                    int ep = classEnd(pi);
                    boolean matches = si < sLength && singleMatch(s.luaByte(si), pi, ep);
                    switch (pat(ep)) {
                        case '?' -> {
                            if (matches) {
                                int end = match(si + 1, ep + 1);
                                if (end != -1) {
                                    return end;
                                }
                            }
                            pi = ep + 1;
                        }
                        case '*' -> {
                            return maxExpand(si, pi, ep);
                        }
                        case '+' -> {
                            return matches ? maxExpand(si + 1, pi, ep) : -1;
                        }
                        case '-' -> {
                            return minExpand(si, pi, ep);
                        }
                        default -> {
                            if (!matches) {
                                return -1;
                            }
                            si++;
                            pi = ep;
                        }
                    }
                }
            } finally {
                depth--;
            }
        }

        private int maxExpand(int si, int pi, int ep) {
            int i = 0;
            while (si + i < sLength && singleMatch(s.luaByte(si + i), pi, ep)) {
                step();
                i++;
            }
            for (; i >= 0; i--) {
                int end = match(si + i, ep + 1);
                if (end != -1) {
                    return end;
                }
            }
            return -1;
        }

        private int minExpand(int si, int pi, int ep) {
            while (true) {
                int end = match(si, ep + 1);
                if (end != -1) {
                    return end;
                }
                if (si < sLength && singleMatch(s.luaByte(si), pi, ep)) {
                    si++;
                } else {
                    return -1;
                }
            }
        }

        private int startCapture(int si, int pi, int what) {
            if (level >= MAX_CAPTURES) {
                throw new LuaError("too many captures");
            }
            captureStart[level] = si;
            captureLength[level] = what;
            level++;
            int end = match(si, pi);
            if (end == -1) {
                level--;
            }
            return end;
        }

        private int endCapture(int si, int pi) {
            int l = captureToClose();
            captureLength[l] = si - captureStart[l];
            int end = match(si, pi);
            if (end == -1) {
                captureLength[l] = CAP_UNFINISHED;
            }
            return end;
        }

        private int captureToClose() {
            for (int l = level - 1; l >= 0; l--) {
                if (captureLength[l] == CAP_UNFINISHED) {
                    return l;
                }
            }
            throw new LuaError("invalid pattern capture");
        }

        @SuppressWarnings("OrphanedFormatString") // '%b' in a message is the Lua pattern item, in Lua's own words
        private int matchBalance(int si, int pi) {
            if (pi + 1 >= pLength) {
                throw new LuaError("malformed pattern (missing arguments to '%b')");
            }
            if (si >= sLength || s.luaByte(si) != pat(pi)) {
                return -1;
            }
            int open = pat(pi);
            int close = pat(pi + 1);
            int nesting = 1;
            for (int i = si + 1; i < sLength; i++) {
                step();
                int c = s.luaByte(i);
                if (c == close) {
                    if (--nesting == 0) {
                        return i + 1;
                    }
                } else if (c == open) {
                    nesting++;
                }
            }
            return -1;
        }

        private int matchCapture(int si, int digit) {
            int l = digit - '1';
            if (l < 0 || l >= level || captureLength[l] == CAP_UNFINISHED) {
                throw new LuaError("invalid capture index %" + (l + 1));
            }
            int length = captureLength[l];
            if (sLength - si < length) {
                return -1;
            }
            ResourceGuard.chargeCurrent(length);
            for (int i = 0; i < length; i++) {
                if (s.luaByte(captureStart[l] + i) != s.luaByte(si + i)) {
                    return -1;
                }
            }
            return si + length;
        }

        private int classEnd(int pi) {
            int c = pat(pi++);
            if (c == '%') {
                if (pi >= pLength) {
                    throw new LuaError("malformed pattern (ends with '%')");
                }
                return pi + 1;
            }
            if (c == '[') {
                if (pat(pi) == '^') {
                    pi++;
                }
                do {
                    if (pi >= pLength) {
                        throw new LuaError("malformed pattern (missing ']')");
                    }
                    if (pat(pi++) == '%' && pi < pLength) {
                        pi++;
                    }
                } while (pat(pi) != ']');
                return pi + 1;
            }
            return pi;
        }

        private boolean singleMatch(int c, int pi, int ep) {
            return switch (pat(pi)) {
                case '.' -> true;
                case '%' -> matchClass(c, pat(pi + 1));
                case '[' -> matchBracketClass(c, pi, ep - 1);
                default -> pat(pi) == c;
            };
        }

        private boolean matchBracketClass(int c, int pi, int ec) {
            boolean found = true;
            if (pat(pi + 1) == '^') {
                found = false;
                pi++;
            }
            while (++pi < ec) {
                if (pat(pi) == '%') {
                    pi++;
                    if (matchClass(c, pat(pi))) {
                        return found;
                    }
                } else if (pat(pi + 1) == '-' && pi + 2 < ec) {
                    pi += 2;
                    if (pat(pi - 2) <= c && c <= pat(pi)) {
                        return found;
                    }
                } else if (pat(pi) == c) {
                    return found;
                }
            }
            return !found;
        }

        private static boolean matchClass(int c, int cl) {
            boolean result;
            switch (Character.toLowerCase(cl)) {
                case 'a' -> result = isAlpha(c);
                case 'c' -> result = c < 32 || c == 127;
                case 'd' -> result = c >= '0' && c <= '9';
                case 'g' -> result = c > 32 && c < 127;
                case 'l' -> result = c >= 'a' && c <= 'z';
                case 'p' -> result = c > 32 && c < 127 && !isAlpha(c) && !(c >= '0' && c <= '9');
                case 's' -> result = c == ' ' || (c >= '\t' && c <= '\r');
                case 'u' -> result = c >= 'A' && c <= 'Z';
                case 'w' -> result = isAlpha(c) || (c >= '0' && c <= '9');
                case 'x' -> result = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
                case 'z' -> result = c == 0;
                default -> {
                    return cl == c;
                }
            }
            return Character.isUpperCase(cl) != result;
        }

        private static boolean isAlpha(int c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        }

        /** Capture {@code i}, or the whole match when the pattern has none and {@code i} is 0. */
        private LuaValue capture(int i, int start, int end) {
            if (i >= level) {
                if (i == 0) {
                    return s.substring(start, end);
                }
                throw new LuaError("invalid capture index %" + (i + 1));
            }
            int length = captureLength[i];
            if (length == CAP_UNFINISHED) {
                throw new LuaError("unfinished capture");
            }
            if (length == CAP_POSITION) {
                return LuaValue.valueOf(captureStart[i] + 1);
            }
            return s.substring(captureStart[i], captureStart[i] + length);
        }

        Varargs captures(boolean wholeIfNone, int start, int end) {
            int n = level == 0 && wholeIfNone ? 1 : level;
            if (n == 0) {
                return LuaValue.NONE;
            }
            LuaValue[] values = new LuaValue[n];
            for (int i = 0; i < n; i++) {
                values[i] = capture(i, start, end);
            }
            return LuaValue.varargsOf(values);
        }

        /** Appends the replacement for the match {@code [start, end)}, as {@code gsub} does. */
        void addValue(ByteArrayOutputStream result, int start, int end, LuaValue replacement) {
            LuaValue value;
            switch (replacement.type()) {
                case LuaValue.TSTRING, LuaValue.TNUMBER -> {
                    addString(result, replacement.strvalue(), start, end);
                    return;
                }
                case LuaValue.TTABLE -> value = replacement.get(capture(0, start, end));
                default ->
                    value = replacement.invoke(captures(true, start, end)).arg1();
            }
            if (!value.toboolean()) {
                append(result, s.substring(start, end));
            } else if (value.isstring()) {
                append(result, value.strvalue());
            } else {
                throw new LuaError("invalid replacement value (a " + value.typename() + ")");
            }
        }

        private void addString(ByteArrayOutputStream result, LuaString replacement, int start, int end) {
            int length = replacement.length();
            for (int i = 0; i < length; i++) {
                int c = replacement.luaByte(i);
                if (c != '%') {
                    append(result, c);
                    continue;
                }
                if (++i == length) {
                    throw new LuaError("invalid use of '%' in replacement string");
                }
                c = replacement.luaByte(i);
                if (!Character.isDigit(c)) {
                    append(result, c);
                } else if (c == '0') {
                    append(result, s.substring(start, end));
                } else {
                    append(result, capture(c - '1', start, end).strvalue());
                }
            }
        }

        private void append(ByteArrayOutputStream result, int c) {
            if (result.size() >= ResourceGuard.MAX_STRING_BYTES) {
                ResourceGuard.reserve(result.size() + 1.0, "gsub");
            }
            step();
            result.write(c);
        }

        void append(ByteArrayOutputStream result, LuaString text) {
            if ((long) result.size() + text.length() > ResourceGuard.MAX_STRING_BYTES) {
                ResourceGuard.reserve((double) result.size() + text.length(), "gsub"); // throws
            }
            ResourceGuard.chargeCurrent(1 + text.length() / 8);
            result.write(text.m_bytes, text.m_offset, text.m_length);
        }
    }
}
