package dev.reliability.retry;

import static dev.reliability.internal.Preconditions.checkAtLeast;

/**
 * A snapshot of a {@link Retry}'s counters, taken by {@link Retry#stats()}. Every retry counts, always: the counters
 * read no clock and allocate nothing on the call's path.
 *
 * <p>A call is counted once, when it ends, in one of the four outcome counts; whether it was retried means whether an
 * attempt after the first started. A call ends on a failure when its last failure is rethrown (or completes the future
 * of {@link Retry#executeAsync}), when it returns a result that {@code retryOnResult} still rejects, and when its
 * future is cancelled. A call that a {@link VirtualMachineError} ends (never retried, never an event), or that an
 * exception from the policy's own predicates or backoff ends, is not counted.
 *
 * <p>No count is ever negative. Totals are exact once calls have stopped; while calls run concurrently the counters are
 * read one after another, so they may disagree by the calls in flight.
 *
 * @param succeededWithoutRetry the calls whose first attempt succeeded
 * @param succeededAfterRetry the calls that succeeded on a retry
 * @param failedWithoutRetry the calls that ended on a failure before any retry started: the failure was not retryable,
 *     {@code maxAttempts} is 1, the deadline or the budget refused the first retry, the thread was interrupted during the
 *     first wait, or the future was cancelled
 * @param failedAfterRetry the calls that ended on a failure after at least one retry started
 * @param retries the attempts after the first that started, over all calls
 * @param rejectedRetries the retries that the policy's {@link RetryBudget} refused; each ended its call
 */
public record RetryStats(
        long succeededWithoutRetry,
        long succeededAfterRetry,
        long failedWithoutRetry,
        long failedAfterRetry,
        long retries,
        long rejectedRetries) {

    /**
     * Checks the components.
     *
     * @param succeededWithoutRetry the calls whose first attempt succeeded
     * @param succeededAfterRetry the calls that succeeded on a retry
     * @param failedWithoutRetry the calls that ended on a failure before any retry started
     * @param failedAfterRetry the calls that ended on a failure after at least one retry started
     * @param retries the attempts after the first that started
     * @param rejectedRetries the retries the budget refused
     * @throws IllegalArgumentException if a count is negative
     */
    public RetryStats {
        checkAtLeast(succeededWithoutRetry, 0L, "succeededWithoutRetry");
        checkAtLeast(succeededAfterRetry, 0L, "succeededAfterRetry");
        checkAtLeast(failedWithoutRetry, 0L, "failedWithoutRetry");
        checkAtLeast(failedAfterRetry, 0L, "failedAfterRetry");
        checkAtLeast(retries, 0L, "retries");
        checkAtLeast(rejectedRetries, 0L, "rejectedRetries");
    }

    /**
     * Returns the calls that have ended, the sum of the four outcome counts.
     *
     * @return the ended calls
     */
    public long calls() {
        return succeededWithoutRetry + succeededAfterRetry + failedWithoutRetry + failedAfterRetry;
    }
}
