package dev.reliability.state;

import dev.reliability.internal.Preconditions;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable, typed value held by a {@link StateStore}: a string, a whole number ({@code long}, exact over its whole
 * range), a finite floating-point number, a boolean, or a structured value (a list of values, or a map from strings to
 * values). A value read back from any store has the type and payload it was written with.
 *
 * <p>Strings (map keys included) must not contain NUL characters or unpaired surrogates, so that every store can hold
 * them unchanged. Maps are kept sorted by key, which makes {@link #toJson()} canonical: equal values have equal
 * encodings.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class StateValue {

    /** The maximum nesting depth of lists and maps. */
    public static final int MAX_DEPTH = 64;

    private static final StateValue TRUE = new StateValue(Type.BOOLEAN, true);
    private static final StateValue FALSE = new StateValue(Type.BOOLEAN, false);

    /** The type of a {@link StateValue}. */
    public enum Type {
        /** A string. */
        STRING,
        /** A whole number, a {@code long}. */
        LONG,
        /** A finite {@code double}. */
        DOUBLE,
        /** A boolean. */
        BOOLEAN,
        /** A list of values. */
        LIST,
        /** A map from strings to values, sorted by key. */
        MAP
    }

    private final Type type;
    private final Object value;
    private final int depth;

    private StateValue(Type type, Object value) {
        this(type, value, 0);
    }

    private StateValue(Type type, Object value, int depth) {
        this.type = type;
        this.value = value;
        this.depth = depth;
    }

    /**
     * Returns a string value.
     *
     * @param value the string
     * @return the value
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException if the string contains a NUL character or an unpaired surrogate
     */
    public static StateValue of(String value) {
        return new StateValue(Type.STRING, checkText(value, "value"));
    }

    /**
     * Returns a whole-number value.
     *
     * @param value the number
     * @return the value
     */
    public static StateValue of(long value) {
        return new StateValue(Type.LONG, value);
    }

    /**
     * Returns a floating-point value. Negative zero is kept as it is.
     *
     * @param value the number
     * @return the value
     * @throws IllegalArgumentException if {@code value} is NaN or infinite
     */
    public static StateValue of(double value) {
        Preconditions.checkArgument(Double.isFinite(value), "value must be a finite number, was %s", value);
        return new StateValue(Type.DOUBLE, value);
    }

    /**
     * Returns a boolean value.
     *
     * @param value the boolean
     * @return the value
     */
    public static StateValue of(boolean value) {
        return value ? TRUE : FALSE;
    }

    /**
     * Returns a list value holding a copy of {@code values}.
     *
     * @param values the elements, in order
     * @return the value
     * @throws NullPointerException if {@code values} or any element is null
     * @throws IllegalArgumentException if the nesting is deeper than {@link #MAX_DEPTH}
     */
    public static StateValue ofList(List<StateValue> values) {
        List<StateValue> copy = List.copyOf(values);
        return new StateValue(Type.LIST, copy, depthOf(copy));
    }

    /**
     * Returns a map value holding a sorted copy of {@code values}.
     *
     * @param values the entries
     * @return the value
     * @throws NullPointerException if {@code values}, a key or a value is null
     * @throws IllegalArgumentException if a key contains a NUL character or an unpaired surrogate, or if the nesting is
     *     deeper than {@link #MAX_DEPTH}
     */
    public static StateValue ofMap(Map<String, StateValue> values) {
        TreeMap<String, StateValue> copy = new TreeMap<>();
        for (Map.Entry<String, StateValue> e : values.entrySet()) {
            copy.put(checkText(e.getKey(), "map key"), Objects.requireNonNull(e.getValue(), "map value"));
        }
        return new StateValue(Type.MAP, Collections.unmodifiableSortedMap(copy), depthOf(copy.values()));
    }

    /**
     * Returns the type of this value.
     *
     * @return the type
     */
    public Type type() {
        return type;
    }

    /**
     * Returns whether this value is a {@link Type#LONG} or a {@link Type#DOUBLE}.
     *
     * @return whether this is a number
     */
    public boolean isNumber() {
        return type == Type.LONG || type == Type.DOUBLE;
    }

    /**
     * Returns the string this value holds.
     *
     * @return the string
     * @throws IllegalStateException if this is not a {@link Type#STRING}
     */
    public String asString() {
        return (String) expect(Type.STRING);
    }

    /**
     * Returns the whole number this value holds.
     *
     * @return the number
     * @throws IllegalStateException if this is not a {@link Type#LONG}
     */
    public long asLong() {
        return (Long) expect(Type.LONG);
    }

    /**
     * Returns this number as a {@code double}: a {@link Type#DOUBLE} as it is, a {@link Type#LONG} converted (and
     * possibly rounded).
     *
     * @return the number
     * @throws IllegalStateException if this is not a number
     */
    public double asDouble() {
        if (type == Type.LONG) {
            return (Long) value;
        }
        return (Double) expect(Type.DOUBLE);
    }

    /**
     * Returns the boolean this value holds.
     *
     * @return the boolean
     * @throws IllegalStateException if this is not a {@link Type#BOOLEAN}
     */
    public boolean asBoolean() {
        return (Boolean) expect(Type.BOOLEAN);
    }

    /**
     * Returns the elements of this list value.
     *
     * @return an unmodifiable list
     * @throws IllegalStateException if this is not a {@link Type#LIST}
     */
    @SuppressWarnings("unchecked")
    public List<StateValue> asList() {
        return (List<StateValue>) expect(Type.LIST);
    }

    /**
     * Returns the entries of this map value, sorted by key.
     *
     * @return an unmodifiable sorted map
     * @throws IllegalStateException if this is not a {@link Type#MAP}
     */
    @SuppressWarnings("unchecked")
    public SortedMap<String, StateValue> asMap() {
        return (SortedMap<String, StateValue>) expect(Type.MAP);
    }

    /**
     * Returns this value read as a number, as {@code increment} reads it: a number as it is, and a string that holds a
     * decimal number (surrounding whitespace allowed, such as {@code " 42"} or {@code "-1.5e3"}) as that number. A
     * whole number that fits a {@code long} becomes a {@link Type#LONG}.
     *
     * @return the number, or empty if this value is not numeric
     */
    public Optional<StateValue> toNumber() {
        if (isNumber()) {
            return Optional.of(this);
        }
        if (type != Type.STRING) {
            return Optional.empty();
        }
        return parseNumber(((String) value).strip());
    }

    /**
     * Returns the JSON text of this value: a JSON string, number, boolean, array or object. A {@link Type#LONG} is
     * written without a fraction and a {@link Type#DOUBLE} always with one or with an exponent, so {@link
     * #fromJson(String)} restores the exact type and value.
     *
     * @return the JSON text
     */
    public String toJson() {
        StringBuilder sb = new StringBuilder();
        StateJson.write(this, sb);
        return sb.toString();
    }

    /**
     * Parses JSON text written by {@link #toJson()}. A number without a fraction or exponent becomes a {@link
     * Type#LONG}; any other number a {@link Type#DOUBLE}. JSON {@code null} is not a value.
     *
     * @param json the text
     * @return the value
     * @throws NullPointerException if {@code json} is null
     * @throws IllegalArgumentException if the text is not valid JSON of a value
     */
    public static StateValue fromJson(String json) {
        return StateJson.parse(Objects.requireNonNull(json, "json"));
    }

    /**
     * Returns the size of this value as stores count it against their limit: the number of UTF-8 bytes of the string
     * for a {@link Type#STRING}, and of {@link #toJson()} for any other type.
     *
     * @return the size in bytes
     */
    public long encodedSize() {
        return type == Type.STRING ? utf8Length((String) value) : utf8Length(toJson());
    }

    /**
     * Returns the number of UTF-8 bytes needed to encode {@code text}.
     *
     * @param text the text, which must not contain unpaired surrogates
     * @return the length in bytes
     */
    static long utf8Length(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof StateValue other)) {
            return false;
        }
        if (type != other.type) {
            return false;
        }
        if (type == Type.DOUBLE) {
            // Bitwise, like Double.equals: equal values must have equal encodings, and -0.0 encodes differently.
            return Double.compare((Double) value, (Double) other.value) == 0;
        }
        return value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return 31 * type.hashCode() + value.hashCode();
    }

    /** Returns the type and the JSON text, for example {@code LONG 42}. */
    @Override
    public String toString() {
        return type + " " + toJson();
    }

    Object raw() {
        return value;
    }

    private Object expect(Type expected) {
        if (type != expected) {
            throw new IllegalStateException("value is a " + type + ", not a " + expected);
        }
        return value;
    }

    static Optional<StateValue> parseNumber(String text) {
        if (text.isEmpty() || !isDecimal(text)) {
            return Optional.empty();
        }
        boolean whole = text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
        if (whole) {
            try {
                return Optional.of(of(Long.parseLong(text.startsWith("+") ? text.substring(1) : text)));
            } catch (NumberFormatException e) {
                // too large for a long: read it as a double below
            }
        }
        double d = Double.parseDouble(text);
        return Double.isFinite(d) ? Optional.of(of(d)) : Optional.empty();
    }

    /** Whether {@code text} is {@code [+-]digits[.digits][(e|E)[+-]digits]} with at least one mantissa digit. */
    private static boolean isDecimal(String text) {
        int i = 0;
        int n = text.length();
        if (text.charAt(0) == '+' || text.charAt(0) == '-') {
            i++;
        }
        int digits = 0;
        while (i < n && isDigit(text.charAt(i))) {
            i++;
            digits++;
        }
        if (i < n && text.charAt(i) == '.') {
            i++;
            while (i < n && isDigit(text.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            i++;
            if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
                i++;
            }
            int exponentDigits = 0;
            while (i < n && isDigit(text.charAt(i))) {
                i++;
                exponentDigits++;
            }
            if (exponentDigits == 0) {
                return false;
            }
        }
        return i == n;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static String checkText(String text, String name) {
        Objects.requireNonNull(text, name);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                throw new IllegalArgumentException(name + " must not contain a NUL character, found at index " + i);
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c)
                        && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    throw new IllegalArgumentException(
                            name + " must not contain an unpaired surrogate, found at index " + i);
                }
            }
        }
        return text;
    }

    /** Returns the depth of a structured value with these children: one more than the deepest child. */
    private static int depthOf(Iterable<StateValue> children) {
        int max = 0;
        for (StateValue child : children) {
            max = Math.max(max, child.depth);
        }
        int depth = max + 1;
        Preconditions.checkArgument(depth <= MAX_DEPTH, "nesting depth must be <= %s, was %s", MAX_DEPTH, depth);
        return depth;
    }
}
