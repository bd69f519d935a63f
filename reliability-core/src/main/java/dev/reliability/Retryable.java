package dev.reliability;

/**
 * Marks a failure as explicitly retryable: the seed's {@code RetryableError}. A retry policy retries such a failure
 * without consulting its {@code retryOn} / {@code retryIf} predicates; only {@code abortOn} and {@link NonRetryable}
 * take precedence.
 *
 * <p>Implement it on your own exception types, for example {@code class Throttled extends IOException implements
 * Retryable}.
 */
public interface Retryable {}
