package dev.reliability.circuitbreaker;

import dev.reliability.CheckedRunnable;
import dev.reliability.CheckedSupplier;
import dev.reliability.TimeSource;
import java.util.List;

/**
 * A circuit breaker: it permits calls while the protected service is healthy, rejects them for a while after it fails
 * too often, then lets a few trial calls decide whether to close again. See {@link CircuitState} for the states and
 * {@link CircuitBreakerConfig} for what is counted.
 *
 * <pre>{@code
 * CircuitBreaker breaker = CircuitBreaker.of("external_api", config);
 * Data d = breaker.execute(() -> api.get());   // CallNotPermittedException when open
 * }</pre>
 *
 * <p><b>Two ways to call.</b> {@link #execute} and {@link #run} are the safe default: they take a permit, run the
 * action, record its outcome against the state generation that issued the permit, and can never leak the permit. The
 * low-level methods ({@link #tryAcquirePermission()}, then exactly one of {@link #onSuccess}, {@link #onError}, {@link
 * #onResult} or {@link #releasePermission()}) are for adapters and allocate nothing. They carry no permit object, so an
 * outcome is attributed to the state current when it is reported; in half-open, outcomes and releases count only while
 * trial permits are outstanding, so they can never raise the number of trial calls above {@link
 * CircuitBreakerConfig#halfOpenPermits()} or drive a count below zero.
 *
 * <p><b>Time.</b> Instances read time from one {@link TimeSource}: {@link TimeSource#system()} for {@link #of}, the
 * registry's for breakers a {@code Registry} creates. In consecutive-failure mode a closed breaker reads no clock on
 * the permit path, and on the success path only on a sample of calls, to keep {@link CircuitStats#lastSuccessTime()}
 * current. An open breaker reads it only on a sample of rejections. Sampling adapts to the traffic: every call under
 * sparse traffic, and under load often enough that the move to half-open, and the last-success time, are at most
 * about a millisecond late. A time-based window and slow-call tracking read the clock on every call.
 *
 * <p>Implementations are thread-safe and lock-free; listeners run synchronously on the caller's thread.
 */
public interface CircuitBreaker {

    /**
     * Creates a standalone breaker that reads {@link TimeSource#system()} and has no listeners.
     *
     * @param name the breaker's name, used in events and messages
     * @param config what the breaker counts and when it opens
     * @return a new closed breaker
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    static CircuitBreaker of(String name, CircuitBreakerConfig config) {
        return of(name, config, TimeSource.system(), List.of());
    }

    /**
     * Creates a standalone breaker with the default config, reading {@link TimeSource#system()}.
     *
     * @param name the breaker's name, used in events and messages
     * @return a new closed breaker
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    static CircuitBreaker ofDefaults(String name) {
        return of(name, CircuitBreakerConfig.ofDefaults());
    }

    /**
     * Creates a breaker with explicit collaborators. The {@code Registry} uses it; applications normally get breakers
     * from a registry, which supplies the same time source and listeners to all of them.
     *
     * @param name the breaker's name, used in events and messages
     * @param config what the breaker counts and when it opens
     * @param timeSource the clock the breaker reads
     * @param listeners the listeners to notify, in order; copied
     * @return a new closed breaker
     * @throws NullPointerException if an argument or listener is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    static CircuitBreaker of(
            String name,
            CircuitBreakerConfig config,
            TimeSource timeSource,
            List<? extends CircuitBreakerListener> listeners) {
        return new StateMachineCircuitBreaker(name, config, timeSource, listeners);
    }

    /**
     * Returns the breaker's name.
     *
     * @return the name given at creation
     */
    String name();

    /**
     * Returns the breaker's config.
     *
     * @return the config given at creation
     */
    CircuitBreakerConfig config();

    /**
     * Returns the current state. An open breaker whose open duration has passed moves to {@link
     * CircuitState#HALF_OPEN} here, as on a permission check but without taking a trial permit; a scheduler the user
     * supplies can therefore drive that move by calling this method. There is no hidden timer thread.
     *
     * @return the current state
     */
    CircuitState state();

    /**
     * Returns a snapshot of the state and counters. Like {@link #state()}, it moves a due open breaker to half-open.
     *
     * @return a new snapshot
     */
    CircuitStats stats();

    /**
     * Runs {@code action} if the breaker permits it and records its outcome.
     *
     * @param action the protected call
     * @param <T> the result type
     * @param <X> the checked exception the action may throw
     * @return what the action returned
     * @throws X the action's failure, unchanged
     * @throws CallNotPermittedException if the breaker does not permit the call; the action is not run
     * @throws NullPointerException if {@code action} is null
     */
    <T, X extends Exception> T execute(CheckedSupplier<T, X> action) throws X;

    /**
     * Runs {@code action} if the breaker permits it and records its outcome.
     *
     * @param action the protected call
     * @param <X> the checked exception the action may throw
     * @throws X the action's failure, unchanged
     * @throws CallNotPermittedException if the breaker does not permit the call; the action is not run
     * @throws NullPointerException if {@code action} is null
     */
    <X extends Exception> void run(CheckedRunnable<X> action) throws X;

    /**
     * Asks for a permit to make one call; the low-level hot path. A true result must be followed by exactly one of
     * {@link #onSuccess}, {@link #onError}, {@link #onResult} or {@link #releasePermission()}. A false result has been
     * counted as a rejection and reported to the listeners.
     *
     * @return true if the call may proceed
     */
    boolean tryAcquirePermission();

    /**
     * Records that a permitted call succeeded.
     *
     * @param durationNanos how long the call took, in nanoseconds; used for slow calls and passed to listeners
     */
    void onSuccess(long durationNanos);

    /**
     * Records that a permitted call threw. Whether it counts as a failure, a success or neither follows {@link
     * CircuitBreakerConfig#recordOn()} and {@link CircuitBreakerConfig#ignored()}.
     *
     * @param durationNanos how long the call took, in nanoseconds
     * @param error what the call threw
     * @throws NullPointerException if {@code error} is null
     */
    void onError(long durationNanos, Throwable error);

    /**
     * Records that a permitted call returned a value; it counts as a failure if {@link
     * CircuitBreakerConfig#recordResult()} says so, otherwise as a success.
     *
     * @param durationNanos how long the call took, in nanoseconds
     * @param result what the call returned, possibly null
     */
    void onResult(long durationNanos, Object result);

    /**
     * Gives back a permit without recording an outcome, for a call that was never made or whose outcome says nothing
     * about the service. Releasing when no permit is outstanding has no effect.
     */
    void releasePermission();

    /**
     * Moves the breaker to {@link CircuitState#FORCED_OPEN}, where it rejects every call until moved by hand. No-op if
     * already forced open.
     */
    void forceOpen();

    /**
     * Moves the breaker to {@link CircuitState#DISABLED}, where it permits every call and keeps counting but never
     * changes state by itself. No-op if already disabled.
     */
    void disable();

    /**
     * Moves the breaker to {@link CircuitState#CLOSED} with fresh failure counts and the initial open duration, keeping
     * the totals. No-op, publishing nothing, if already closed.
     */
    void transitionToClosed();

    /**
     * Returns the breaker to its initial state: closed, every count and timestamp cleared, the open duration back to
     * its initial value. A transition event is published only if the state changes. Calls that complete while the
     * reset runs may or may not be counted afterwards.
     */
    void reset();
}
