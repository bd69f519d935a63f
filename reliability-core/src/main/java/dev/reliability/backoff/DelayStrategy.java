package dev.reliability.backoff;

/** Computes the un-capped, un-jittered delay before the retry that follows failed attempt {@code attempt}. */
interface DelayStrategy {

    /**
     * Returns the delay in nanoseconds, saturated at {@code Long.MAX_VALUE}.
     *
     * @param attempt the number of the attempt that just failed, starting at 1
     * @param lastFailure that attempt's failure, or null when a result was rejected
     */
    long delayNanos(int attempt, Throwable lastFailure);
}
