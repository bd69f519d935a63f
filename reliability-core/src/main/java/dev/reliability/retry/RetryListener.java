package dev.reliability.retry;

/**
 * Receives a {@link Retry}'s events. Every method has a no-op default, so new events stay compatible.
 *
 * <p>Listeners are called synchronously on the thread that ran the attempt (the caller's thread, or the scheduler's
 * for asynchronous calls). A listener that throws is logged at WARNING and never changes the outcome of the call.
 */
public interface RetryListener {

    /**
     * Called after an attempt failed and before the wait that precedes the next one. Never called after the last
     * attempt.
     *
     * @param attempt the failed attempt; {@link RetryAttempt#delay()} is the wait that follows
     */
    default void onRetry(RetryAttempt attempt) {}

    /**
     * Called when an attempt succeeds, ending the call.
     *
     * @param attempt the successful attempt; its number is the number of calls made
     */
    default void onSuccess(RetryAttempt attempt) {}

    /**
     * Called when a retryable failure ends the call because no retry is left: attempts, deadline or budget ran out.
     *
     * @param attempt the last attempt
     */
    default void onExhausted(RetryAttempt attempt) {}

    /**
     * Called when a failure that must not be retried ends the call.
     *
     * @param attempt the attempt that failed
     */
    default void onAbort(RetryAttempt attempt) {}
}
