package dev.reliability.backoff;

import java.time.Duration;

/** {@code initial * multiplier^(attempt - 1)}. */
record ExponentialBackoff(long initialNanos, double multiplier) implements DelayStrategy {

    @Override
    public long delayNanos(int attempt, Throwable lastFailure) {
        if (initialNanos == 0) {
            return 0; // 0 * Infinity would be NaN
        }
        // Doubles saturate to Infinity instead of wrapping; the cast below clamps anything >= 2^63 to Long.MAX_VALUE.
        double delay = initialNanos * Math.pow(multiplier, attempt - 1);
        return (long) Math.min(delay, (double) Long.MAX_VALUE);
    }

    @Override
    public String toString() {
        return "exponential(" + Duration.ofNanos(initialNanos) + ", " + multiplier + ")";
    }
}
