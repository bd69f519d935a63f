package dev.reliability.retry;

import dev.reliability.internal.Preconditions;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * An event from a {@link Retry}: one attempt's outcome, and the wait that follows it when there is a retry.
 *
 * @param retryName the name of the retry that made the attempt
 * @param number the attempt's number, starting at 1
 * @param delay the wait before the next attempt; zero when none follows
 * @param failure what the attempt threw, or null if it returned
 * @param result what the attempt returned, or null if it threw (or returned null)
 * @param timestamp when the event was published, from the retry's time source
 */
public record RetryAttempt(
        String retryName, int number, Duration delay, Throwable failure, Object result, Instant timestamp) {

    /**
     * Checks the components.
     *
     * @param retryName the name of the retry that made the attempt
     * @param number the attempt's number, starting at 1
     * @param delay the wait before the next attempt; zero when none follows
     * @param failure what the attempt threw, or null if it returned
     * @param result what the attempt returned, or null if it threw (or returned null)
     * @param timestamp when the event was published, from the retry's time source
     * @throws NullPointerException if {@code retryName}, {@code delay} or {@code timestamp} is null
     * @throws IllegalArgumentException if {@code number < 1}
     */
    public RetryAttempt {
        Objects.requireNonNull(retryName, "retryName");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(timestamp, "timestamp");
        Preconditions.checkAtLeast(number, 1, "number");
    }
}
