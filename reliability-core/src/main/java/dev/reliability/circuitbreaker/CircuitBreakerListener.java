package dev.reliability.circuitbreaker;

/**
 * Receives a breaker's events. Every method has a no-op default, so an implementation overrides only what it needs.
 *
 * <p>Methods are called synchronously on the caller's thread, after the change they report is committed, and exactly
 * once per event. A listener that throws is logged at WARNING and never changes the outcome of the call. Listeners must
 * be thread-safe and should be fast: {@link #onSuccess} runs on the hot path. A breaker calls {@link #onSuccess} and
 * {@link #onError}, and reads the clock around each call to give them a duration, only for a listener whose class
 * overrides one of them: a listener that watches only transitions or rejections adds nothing to a successful call. Transitions committed concurrently by
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

    /**
     * Called once per outage when the state store of the breaker's registry fails: by the first store operation that
     * fails after the store was last available, naming the breaker it was for. Breakers keep working on local state
     * during the outage and reconcile with the store when it answers again; nothing is reported per call.
     *
     * @param breakerName the breaker (or shared retry budget) whose store operation failed first
     * @param cause what the store threw
     */
    default void onStoreUnavailable(String breakerName, RuntimeException cause) {}
}
