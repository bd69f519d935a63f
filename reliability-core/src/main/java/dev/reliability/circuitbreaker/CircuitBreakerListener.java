package dev.reliability.circuitbreaker;

/**
 * Receives a breaker's events. Every method has a no-op default, so an implementation overrides only what it needs.
 *
 * <p>Methods are called synchronously on the caller's thread, after the change they report is committed, and exactly
 * once per event. A listener that throws is logged at WARNING and never changes the outcome of the call. Listeners must
 * be thread-safe and should be fast: {@link #onSuccess} runs on the hot path. Transitions committed concurrently by
 * different threads may reach a listener in a different order than they were committed; {@link
 * StateTransition#from()} and {@link StateTransition#to()} always describe the committed change exactly.
 */
public interface CircuitBreakerListener {

    /**
     * Called after the breaker changed state.
     *
     * @param transition the committed change
     */
    default void onStateTransition(StateTransition transition) {}

    /**
     * Called when a call was rejected.
     *
     * @param breakerName the breaker's name
     * @param state the state that rejected the call
     */
    default void onCallNotPermitted(String breakerName, CircuitState state) {}

    /**
     * Called after a call was recorded as a success.
     *
     * @param breakerName the breaker's name
     * @param durationNanos how long the call took, in nanoseconds, as reported to the breaker
     */
    default void onSuccess(String breakerName, long durationNanos) {}

    /**
     * Called after a call was recorded as a failure.
     *
     * @param breakerName the breaker's name
     * @param durationNanos how long the call took, in nanoseconds, as reported to the breaker
     * @param error what the call threw, or null when a returned value was recorded as a failure
     */
    default void onError(String breakerName, long durationNanos, Throwable error) {}
}
