package dev.reliability;

/**
 * The unchecked root of the exceptions this library raises itself. Failures of the user's own code are never wrapped
 * in it: they pass through unchanged.
 */
public abstract class ReliabilityException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message the detail message
     */
    protected ReliabilityException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and a cause.
     *
     * @param message the detail message
     * @param cause the underlying failure, or null
     */
    protected ReliabilityException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Creates an exception that may skip its stack trace, for exceptions thrown on a hot path such as a rejection.
     *
     * @param message the detail message
     * @param cause the underlying failure, or null
     * @param writableStackTrace whether the stack trace is filled in
     */
    protected ReliabilityException(String message, Throwable cause, boolean writableStackTrace) {
        super(message, cause, true, writableStackTrace);
    }
}
