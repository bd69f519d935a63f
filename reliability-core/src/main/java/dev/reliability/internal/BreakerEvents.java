package dev.reliability.internal;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;

/**
 * The listeners one circuit breaker publishes to, and the one place where a listener that throws is caught: it is
 * logged at WARNING ({@link Listeners#listenerFailed}) and the other listeners still run, so no listener changes the
 * outcome of a call.
 *
 * <p>Outcome events go only to the listeners that override an outcome method ({@link Listeners#overridesOutcomes}):
 * with none, {@link #hearsOutcomes()} is false, the breaker reads no clock for them, and publishing an outcome is one
 * array-length check. A registry builds the events of each breaker it creates and {@linkplain #detach() detaches} them
 * when the breaker leaves it, so a removed breaker notifies nobody.
 *
 * <p>Generic in the listener type only because this package may not depend on {@code circuitbreaker}: the kinds of
 * event, and how each calls a listener, are defined there (and, for store outages, in {@code registry}). Thread-safe:
 * the listeners are fixed at construction.
 *
 * @param <L> the listener type, {@code CircuitBreakerListener}
 */
public final class BreakerEvents<L> {

    /**
     * One kind of event: the listener method it calls, and how.
     *
     * @param <L> the listener type
     */
    public interface Kind<L> {
        /** The listener method, for the log line of a listener that throws. */
        String method();

        /**
         * Calls the listener method with the event's payload, which the kind defines.
         *
         * @param listener the listener
         * @param source the breaker's name
         * @param subject the event's object (a transition, a state, an error), or null
         * @param value the event's number (a duration in nanoseconds), or 0
         */
        void deliver(L listener, String source, Object subject, long value);
    }

    private final L[] listeners;
    /** The listeners that override an outcome method, the only ones told of outcomes. */
    private final L[] outcomeListeners;

    private volatile boolean detached;

    private static final ThreadLocal<BreakerEvents<?>> NEXT = new ThreadLocal<>();

    private BreakerEvents(L[] listeners, L[] outcomeListeners) {
        this.listeners = listeners;
        this.outcomeListeners = outcomeListeners;
    }

    /**
     * Returns the events of these listeners, in order.
     *
     * @param listeners the listeners, copied
     * @param listenerInterface {@code CircuitBreakerListener}, the interface that declares the outcome methods
     * @return new, attached events
     * @throws NullPointerException if a listener is null
     */
    public static <L> BreakerEvents<L> of(List<? extends L> listeners, Class<L> listenerInterface) {
        List<L> all = new ArrayList<>(listeners.size());
        List<L> outcomes = new ArrayList<>();
        for (L listener : listeners) {
            all.add(Preconditions.checkNotNull(listener, "listener"));
            if (Listeners.overridesOutcomes(listener, listenerInterface)) {
                outcomes.add(listener);
            }
        }
        return new BreakerEvents<>(toArray(all, listenerInterface), toArray(outcomes, listenerInterface));
    }

    @SuppressWarnings("unchecked") // an array of the listener interface holds exactly the listeners given
    private static <L> L[] toArray(List<L> listeners, Class<L> listenerInterface) {
        return listeners.toArray((L[]) Array.newInstance(listenerInterface, 0));
    }

    /**
     * Whether some listener overrides an outcome method, so outcomes are published (and worth a clock read).
     *
     * @return whether outcomes have a listener
     */
    public boolean hearsOutcomes() {
        return outcomeListeners.length > 0;
    }

    /**
     * Publishes an event to every listener, in order, unless detached.
     *
     * @param kind the kind of event
     * @param source the breaker's name
     * @param subject the event's object, as {@code kind} defines it
     * @param value the event's number, as {@code kind} defines it
     */
    public void publish(Kind<L> kind, String source, Object subject, long value) {
        L[] targets = listeners;
        if (targets.length != 0) {
            deliver(targets, kind, source, subject, value);
        }
    }

    /**
     * Publishes an outcome (a success or an error) to the listeners that override an outcome method, unless detached.
     * Without such a listener this is one array-length check: the success path stays free of listener work.
     *
     * @param kind the kind of outcome
     * @param source the breaker's name
     * @param subject the event's object, as {@code kind} defines it
     * @param value the event's number, as {@code kind} defines it
     */
    public void publishOutcome(Kind<L> kind, String source, Object subject, long value) {
        L[] targets = outcomeListeners;
        if (targets.length != 0) {
            deliver(targets, kind, source, subject, value);
        }
    }

    private void deliver(L[] targets, Kind<L> kind, String source, Object subject, long value) {
        if (detached) {
            return;
        }
        for (L listener : targets) {
            try {
                kind.deliver(listener, source, subject, value);
            } catch (Throwable t) {
                Listeners.listenerFailed(kind.method(), source, t);
            }
        }
    }

    /** Stops every later event: the breaker left the registry whose listeners these are. */
    public void detach() {
        detached = true;
    }

    /**
     * Whether an event would reach a listener, so that building it (a timestamp, an allocation) is worth it.
     *
     * @return whether some listener is registered and the events are not detached
     */
    public boolean hasListeners() {
        return listeners.length != 0 && !detached;
    }

    /**
     * Hands {@code events} to the next breaker constructed on this thread, in place of events of the listeners it is
     * given; the registry calls it right before creating a breaker, and {@link #takeBound} right after, so a binding
     * never outlives the construction (as {@link BreakerSync#bindNext} does for the breaker's persistence).
     *
     * @param events the events the breaker publishes through
     */
    public static void bindNext(BreakerEvents<?> events) {
        NEXT.set(events);
    }

    /**
     * Returns and clears the events bound on this thread, or null.
     *
     * @return the events a breaker under construction publishes through, or null if none are bound
     */
    @SuppressWarnings("unchecked") // bound by the registry for the listener type the breaker asks for
    public static <L> BreakerEvents<L> takeBound() {
        BreakerEvents<?> events = NEXT.get();
        NEXT.remove();
        return (BreakerEvents<L>) events;
    }
}
