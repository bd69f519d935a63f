package dev.reliability.lua;

/**
 * Raised when a script hits a resource limit. It extends {@link VirtualMachineError} on purpose: neither Lua's
 * {@code pcall} (which catches exceptions) nor a listener guard may swallow it, so a limit always ends the script.
 */
final class ScriptLimitError extends VirtualMachineError {
    private static final long serialVersionUID = 1L;

    ScriptLimitError(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // the message says everything; the trace would only show interpreter frames
    }
}
