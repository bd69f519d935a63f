package dev.reliability.state;

import dev.reliability.ReliabilityException;
import java.util.Objects;

/**
 * A state store operation failed. The exception names the operation, the store (for example {@code "postgresql"}), the
 * SQLState when a database reported one, and a {@link Kind} that tells the caller what it can do about it. Its message
 * never contains keys' values; the cause, when there is one, is the driver's exception.
 */
public class StateStoreException extends ReliabilityException {
    private static final long serialVersionUID = 1L;

    /** What kind of failure happened. */
    public enum Kind {
        /** The store cannot be reached or lost its connection; the operation may or may not have been applied. */
        UNAVAILABLE,
        /** The operation did not complete within the store's timeout. */
        TIMEOUT,
        /** Concurrent writers kept conflicting (serialization failures, deadlocks) after the bounded retries. */
        CONFLICT,
        /** The stored value has a type the operation cannot work on, such as incrementing a boolean. */
        WRONG_TYPE,
        /** The result does not fit, such as a counter that would overflow a {@code long}. */
        OVERFLOW,
        /** Any other failure reported by the store. */
        FAILED
    }

    /** What kind of failure happened. */
    private final Kind kind;
    /** The operation that failed. */
    private final String operation;
    /** The store or dialect. */
    private final String store;
    /** The SQLState, or null. */
    private final String sqlState;

    /**
     * Creates an exception.
     *
     * @param kind what kind of failure happened
     * @param operation the operation that failed, such as {@code "increment"}
     * @param store the store or dialect, such as {@code "memory"} or {@code "postgresql"}
     * @param sqlState the SQLState the database reported, or null
     * @param cause the underlying failure, or null
     * @throws NullPointerException if {@code kind}, {@code operation} or {@code store} is null
     */
    public StateStoreException(Kind kind, String operation, String store, String sqlState, Throwable cause) {
        super(message(kind, operation, store, sqlState), cause);
        this.kind = kind;
        this.operation = operation;
        this.store = store;
        this.sqlState = sqlState;
    }

    private static String message(Kind kind, String operation, String store, String sqlState) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(store, "store");
        String text = "state store operation '" + operation + "' failed on " + store + ": "
                + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        return sqlState == null ? text : text + " (SQLState " + sqlState + ")";
    }

    /**
     * Returns what kind of failure happened.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * Returns the operation that failed, such as {@code "increment"}.
     *
     * @return the operation
     */
    public String operation() {
        return operation;
    }

    /**
     * Returns the store or SQL dialect, such as {@code "memory"}, {@code "h2"}, {@code "postgresql"} or {@code
     * "mariadb"}.
     *
     * @return the store
     */
    public String store() {
        return store;
    }

    /**
     * Returns the SQLState the database reported.
     *
     * @return the SQLState, or null when there is none
     */
    public String sqlState() {
        return sqlState;
    }
}
