package dev.reliability;

/**
 * Marks a failure that must never be retried: the seed's {@code NonRetryableError}. A retry policy stops at once on
 * such a failure and rethrows it, whatever its predicates say. If a type implements both markers, this one wins.
 */
public interface NonRetryable {}
