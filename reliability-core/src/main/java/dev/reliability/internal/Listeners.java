package dev.reliability.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Handles a listener that throws (logged once at WARNING, never allowed to change the outcome of a call), and tells
 * which default methods a listener overrides.
 */
public final class Listeners {
    private static final Logger LOGGER = System.getLogger("dev.reliability");

    private Listeners() {}

    /**
     * Records that a listener threw. Virtual machine errors are rethrown: the JVM is in no state to continue the call.
     *
     * @param event the event being published, such as {@code "onRetry"}
     * @param source the name of the retry or breaker publishing it
     * @param failure what the listener threw
     */
    public static void listenerFailed(String event, String source, Throwable failure) {
        if (failure instanceof VirtualMachineError virtualMachineError) {
            throw virtualMachineError;
        }
        LOGGER.log(
                Level.WARNING,
                "listener threw in " + event + " for '" + source + "'; the call's outcome is kept",
                failure);
    }

    /**
     * Whether a listener's class overrides a default method of its listener interface, so that a caller can skip the
     * work (a clock read, an event) that only an overriding listener would use. Any class or interface between the
     * listener and {@code declaring} that declares the method counts as overriding it.
     *
     * @param listener the listener
     * @param declaring the listener interface that declares the method with a no-op default
     * @param method the method's name
     * @param parameterTypes the method's parameter types
     * @return whether the method the listener would run is not {@code declaring}'s default
     * @throws IllegalArgumentException if {@code declaring} has no such public method
     */
    public static boolean overrides(Object listener, Class<?> declaring, String method, Class<?>... parameterTypes) {
        try {
            return listener.getClass().getMethod(method, parameterTypes).getDeclaringClass() != declaring;
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(declaring.getName() + " has no public method " + method, e);
        }
    }

    /**
     * Whether a breaker listener overrides {@code onSuccess(String, long)} or {@code onError(String, long, Throwable)}:
     * only such a listener is told of outcomes, and only for one does a breaker read the clock around each call.
     *
     * @param listener the listener
     * @param listenerInterface {@code CircuitBreakerListener}, passed in because this package may not depend on it
     * @return whether the listener overrides either outcome method
     */
    public static boolean overridesOutcomes(Object listener, Class<?> listenerInterface) {
        return overrides(listener, listenerInterface, "onSuccess", String.class, long.class)
                || overrides(listener, listenerInterface, "onError", String.class, long.class, Throwable.class);
    }
}
