package dev.reliability.state.jdbc;

import dev.reliability.state.StateStoreException;

/**
 * The embedded state file cannot be opened or migrated. Its message is for the person at the terminal: which file,
 * what went wrong and what to do.
 */
final class EmbeddedFileException extends StateStoreException {
    private static final long serialVersionUID = 1L;

    private final String detail;

    EmbeddedFileException(String detail, Throwable cause) {
        super(Kind.FAILED, "open", SqlDialect.SQLITE.id(), null, cause);
        this.detail = detail;
    }

    @Override
    public String getMessage() {
        return detail;
    }
}
