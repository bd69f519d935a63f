package dev.reliability.backoff;

import java.time.Duration;

/** Delegates to the user's function, validating what it returns. */
record CustomBackoff(Backoff.DelayFunction function) implements DelayStrategy {

    @Override
    public long delayNanos(int attempt, Throwable lastFailure) {
        Duration delay = function.delay(attempt, lastFailure);
        if (delay == null) {
            throw new IllegalArgumentException("custom delay for attempt " + attempt + " must not be null");
        }
        if (delay.isNegative()) {
            throw new IllegalArgumentException("custom delay for attempt " + attempt + " must be >= 0, was " + delay);
        }
        return Saturating.toNanos(delay);
    }

    @Override
    public String toString() {
        return "custom(" + function + ")";
    }
}
