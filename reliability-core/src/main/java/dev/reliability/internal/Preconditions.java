package dev.reliability.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * The one place where arguments are checked, so every message has the same shape: {@code "maxAttempts must be >= 1,
 * was 0"} (lowercase, names the parameter and its value, no trailing period).
 */
public final class Preconditions {

    /** The longest duration the library accepts: the most nanoseconds a {@code long} holds (about 292 years). */
    public static final Duration MAX_DURATION = Duration.ofNanos(Long.MAX_VALUE);

    private Preconditions() {}

    /**
     * Checks that a reference is not null.
     *
     * @throws NullPointerException naming the parameter
     */
    public static <T> T checkNotNull(T value, String name) {
        return Objects.requireNonNull(value, name);
    }

    /**
     * Checks an argument condition.
     *
     * @throws IllegalArgumentException with the formatted message
     */
    @SuppressWarnings("AnnotateFormatMethod") // @FormatMethod lives in a library, and core depends on none
    public static void checkArgument(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalArgumentException(String.format(format, args));
        }
    }

    /**
     * Checks a lifecycle condition.
     *
     * @throws IllegalStateException with the formatted message
     */
    @SuppressWarnings("AnnotateFormatMethod") // @FormatMethod lives in a library, and core depends on none
    public static void checkState(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalStateException(String.format(format, args));
        }
    }

    /** Checks {@code value >= min}. */
    public static int checkAtLeast(int value, int min, String name) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", was " + value);
        }
        return value;
    }

    /** Checks {@code value >= min}. */
    public static long checkAtLeast(long value, long min, String name) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", was " + value);
        }
        return value;
    }

    /** Checks that {@code value} is finite and within {@code [min, max]}. */
    public static double checkRange(double value, double min, double max, String name) {
        if (!(value >= min && value <= max)) { // also rejects NaN
            throw new IllegalArgumentException(
                    name + " must be in [" + plain(min) + ", " + plain(max) + "], was " + plain(value));
        }
        return value;
    }

    /** Checks that {@code value} is finite and {@code >= min}. */
    public static double checkAtLeast(double value, double min, String name) {
        if (!(value >= min) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(
                    name + " must be a finite number >= " + plain(min) + ", was " + plain(value));
        }
        return value;
    }

    /** Checks that a name is non-null and not blank. */
    public static String checkName(String value, String name) {
        checkNotNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank, was \"" + value + "\"");
        }
        return value;
    }

    /** Checks that a duration is non-null, not negative and at most {@link #MAX_DURATION}. */
    public static Duration checkNonNegative(Duration value, String name) {
        checkNotNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + value);
        }
        return checkRepresentable(value, name);
    }

    /** Checks that a duration is non-null, positive and at most {@link #MAX_DURATION}. */
    public static Duration checkPositive(Duration value, String name) {
        checkNotNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, was " + value);
        }
        return checkRepresentable(value, name);
    }

    private static Duration checkRepresentable(Duration value, String name) {
        if (value.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException(name + " must be <= " + MAX_DURATION + ", was " + value);
        }
        return value;
    }

    /** Formats a double without a trailing {@code .0} for whole numbers, so messages read {@code "was 0"}. */
    private static String plain(double value) {
        if (value == Math.rint(value) && !Double.isInfinite(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }
}
