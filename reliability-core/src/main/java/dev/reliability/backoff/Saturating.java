package dev.reliability.backoff;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** Arithmetic on non-negative nanosecond counts that clamps at {@code Long.MAX_VALUE} instead of wrapping. */
final class Saturating {
    private Saturating() {}

    static long add(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    static long multiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return (high != 0 || low < 0) ? Long.MAX_VALUE : low;
    }

    static long multiply(long a, double factor) {
        return (long) Math.min(a * factor, (double) Long.MAX_VALUE);
    }

    static long toNanos(Duration duration) {
        return duration.compareTo(MAX) >= 0 ? Long.MAX_VALUE : duration.toNanos();
    }

    /** A uniform value in {@code [low, high]}, both non-negative. */
    static long uniform(RandomGenerator random, long low, long high) {
        if (high <= low) {
            return low;
        }
        // nextLong(origin, bound) excludes the bound; at Long.MAX_VALUE the missing nanosecond does not matter.
        return random.nextLong(low, high == Long.MAX_VALUE ? high : high + 1);
    }

    private static final Duration MAX = Duration.ofNanos(Long.MAX_VALUE);
}
