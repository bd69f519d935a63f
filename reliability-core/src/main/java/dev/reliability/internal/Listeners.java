package dev.reliability.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/** Handles a listener that throws: logged once at WARNING, never allowed to change the outcome of a call. */
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
        if (failure instanceof VirtualMachineError) {
            throw (VirtualMachineError) failure;
        }
        LOGGER.log(
                Level.WARNING,
                "listener threw in " + event + " for '" + source + "'; the call's outcome is kept",
                failure);
    }
}
