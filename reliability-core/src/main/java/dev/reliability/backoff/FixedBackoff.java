package dev.reliability.backoff;

import java.time.Duration;

/** The same delay before every retry. */
record FixedBackoff(long delayNanos) implements DelayStrategy {

    @Override
    public long delayNanos(int attempt, Throwable lastFailure) {
        return delayNanos;
    }

    @Override
    public String toString() {
        return "fixed(" + Duration.ofNanos(delayNanos) + ")";
    }
}
