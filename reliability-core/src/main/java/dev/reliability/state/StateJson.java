package dev.reliability.state;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes and parses the JSON form of a {@link StateValue}; a small strict parser, since the core has no dependencies. */
final class StateJson {
    private final String text;
    private int pos;

    private StateJson(String text) {
        this.text = text;
    }

    static void write(StateValue value, StringBuilder sb) {
        switch (value.type()) {
            case STRING -> writeString((String) value.raw(), sb);
            case LONG, BOOLEAN -> sb.append(value.raw());
            case DOUBLE ->
                // Double.toString always has a '.' or an exponent, which marks the number as a DOUBLE when parsed.
                sb.append(Double.toString((Double) value.raw()));
            case LIST -> {
                sb.append('[');
                boolean firstElement = true;
                for (StateValue element : value.asList()) {
                    if (!firstElement) {
                        sb.append(',');
                    }
                    firstElement = false;
                    write(element, sb);
                }
                sb.append(']');
            }
            default -> {
                sb.append('{');
                boolean firstEntry = true;
                for (Map.Entry<String, StateValue> e : value.asMap().entrySet()) {
                    if (!firstEntry) {
                        sb.append(',');
                    }
                    firstEntry = false;
                    writeString(e.getKey(), sb);
                    sb.append(':');
                    write(e.getValue(), sb);
                }
                sb.append('}');
            }
        }
    }

    private static void writeString(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }

    static StateValue parse(String text) {
        StateJson parser = new StateJson(text);
        StateValue value = parser.value(0);
        parser.skipWhitespace();
        if (parser.pos != text.length()) {
            throw parser.error("unexpected text after the value");
        }
        return value;
    }

    private StateValue value(int depth) {
        skipWhitespace();
        if (pos >= text.length()) {
            throw error("unexpected end of input");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '"' -> StateValue.of(string());
            case '[' -> list(depth + 1);
            case '{' -> map(depth + 1);
            case 't' -> {
                literal("true");
                yield StateValue.of(true);
            }
            case 'f' -> {
                literal("false");
                yield StateValue.of(false);
            }
            default -> number();
        };
    }

    private StateValue list(int depth) {
        checkDepth(depth);
        pos++;
        List<StateValue> values = new ArrayList<>();
        skipWhitespace();
        if (peek(']')) {
            pos++;
            return StateValue.ofList(values);
        }
        while (true) {
            values.add(value(depth));
            skipWhitespace();
            if (peek(',')) {
                pos++;
            } else if (peek(']')) {
                pos++;
                return StateValue.ofList(values);
            } else {
                throw error("expected ',' or ']'");
            }
        }
    }

    private StateValue map(int depth) {
        checkDepth(depth);
        pos++;
        Map<String, StateValue> values = new LinkedHashMap<>();
        skipWhitespace();
        if (peek('}')) {
            pos++;
            return StateValue.ofMap(values);
        }
        while (true) {
            skipWhitespace();
            if (!peek('"')) {
                throw error("expected a string key");
            }
            String key = string();
            skipWhitespace();
            if (!peek(':')) {
                throw error("expected ':'");
            }
            pos++;
            if (values.put(key, value(depth)) != null) {
                throw error("duplicate key");
            }
            skipWhitespace();
            if (peek(',')) {
                pos++;
            } else if (peek('}')) {
                pos++;
                return StateValue.ofMap(values);
            } else {
                throw error("expected ',' or '}'");
            }
        }
    }

    private String string() {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\') {
                if (pos >= text.length()) {
                    throw error("unterminated escape");
                }
                char e = text.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (pos + 4 > text.length()) {
                            throw error("bad unicode escape");
                        }
                        try {
                            sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad unicode escape");
                        }
                        pos += 4;
                    }
                    default -> throw error("bad escape");
                }
            } else if (c < 0x20) {
                throw error("control character in string");
            } else {
                sb.append(c);
            }
        }
    }

    private StateValue number() {
        int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        String token = text.substring(start, pos);
        if (token.isEmpty() || token.startsWith("+")) {
            throw error("unexpected character");
        }
        return StateValue.parseNumber(token).orElseThrow(() -> error("bad number"));
    }

    private void literal(String word) {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected character");
        }
        pos += word.length();
    }

    private void checkDepth(int depth) {
        if (depth > StateValue.MAX_DEPTH) {
            throw error("nesting deeper than " + StateValue.MAX_DEPTH);
        }
    }

    private boolean peek(char c) {
        return pos < text.length() && text.charAt(pos) == c;
    }

    private void skipWhitespace() {
        while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("json must be a valid value, " + what + " at index " + pos);
    }
}
