package dev.reliability.circuitbreaker;

import static dev.reliability.internal.Preconditions.checkAtLeast;

import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of a breaker's state and counters, taken by {@link CircuitBreaker#stats()}.
 *
 * <p>No count is ever negative. Totals are exact once calls have stopped; while calls run concurrently the counters are
 * read one after another, so they may disagree by the calls in flight. The timestamps are wall-clock instants derived
 * from the breaker's monotonic clock when the snapshot is taken, so a wall clock that steps does not reorder them.
 *
 * @param state the state when the snapshot was taken
 * @param requests the permitted calls that completed: {@code totalSuccess + totalFailures} plus the calls whose outcome
 *     was ignored or whose permit was released
 * @param totalSuccess the calls recorded as successes
 * @param totalFailures the calls recorded as failures
 * @param consecutiveSuccess the successes since the last failure
 * @param consecutiveFailures the failures since the last success, in the current state
 * @param rejected the calls that were not permitted
 * @param lastSuccessTime when the last success was recorded, or null if none was. Under heavy concurrent load it is
 *     sampled and may lag the true last success by about a millisecond
 * @param lastFailureTime when the last failure was recorded, or null if none was
 * @param failureRate the failure rate over the sliding window in percent, or {@code -1} when no window is configured or
 *     the window holds fewer than {@code minimumCalls} calls
 * @param slowCallRate the slow-call rate over the sliding window in percent, or {@code -1} when slow calls are not
 *     tracked or as for {@code failureRate}
 */
public record CircuitStats(
        CircuitState state,
        long requests,
        long totalSuccess,
        long totalFailures,
        long consecutiveSuccess,
        long consecutiveFailures,
        long rejected,
        Instant lastSuccessTime,
        Instant lastFailureTime,
        double failureRate,
        double slowCallRate) {

    /**
     * Checks the components. {@code lastSuccessTime} and {@code lastFailureTime} may be null.
     *
     * @param state the state
     * @param requests the permitted calls that completed
     * @param totalSuccess the successes
     * @param totalFailures the failures
     * @param consecutiveSuccess the successes since the last failure
     * @param consecutiveFailures the failures since the last success
     * @param rejected the rejected calls
     * @param lastSuccessTime the last success, or null
     * @param lastFailureTime the last failure, or null
     * @param failureRate the window's failure rate in percent, or -1
     * @param slowCallRate the window's slow-call rate in percent, or -1
     * @throws NullPointerException if {@code state} is null
     * @throws IllegalArgumentException if a count is negative
     */
    public CircuitStats {
        Objects.requireNonNull(state, "state");
        checkAtLeast(requests, 0L, "requests");
        checkAtLeast(totalSuccess, 0L, "totalSuccess");
        checkAtLeast(totalFailures, 0L, "totalFailures");
        checkAtLeast(consecutiveSuccess, 0L, "consecutiveSuccess");
        checkAtLeast(consecutiveFailures, 0L, "consecutiveFailures");
        checkAtLeast(rejected, 0L, "rejected");
    }
}
