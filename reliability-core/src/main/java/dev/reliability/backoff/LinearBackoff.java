package dev.reliability.backoff;

import java.time.Duration;

/** {@code initial + increment * (attempt - 1)}; {@code linear(d)} is the case {@code increment == initial}. */
record LinearBackoff(long initialNanos, long incrementNanos) implements DelayStrategy {

    @Override
    public long delayNanos(int attempt, Throwable lastFailure) {
        return Saturating.add(initialNanos, Saturating.multiply(incrementNanos, attempt - 1L));
    }

    @Override
    public String toString() {
        return "linear(" + Duration.ofNanos(initialNanos) + ", " + Duration.ofNanos(incrementNanos) + ")";
    }
}
