package dev.reliability.internal;

/** Rethrows a failure unchanged, whatever its static type. */
public final class Exceptions {
    private Exceptions() {}

    /**
     * Throws {@code failure} as it is. Callers use it only with failures that their action's {@code throws X} clause
     * already allows (X, a {@code RuntimeException} or an {@code Error}), so no checked exception escapes undeclared.
     *
     * @return never returns; declared so callers can write {@code throw rethrow(t)}
     */
    public static RuntimeException rethrow(Throwable failure) {
        throw Exceptions.<RuntimeException>sneaky(failure);
    }

    // E is inferred as RuntimeException at the one call site: that is the sneaky throw, which lets a checked failure
    // through a method that does not declare it.
    @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"})
    private static <E extends Throwable> E sneaky(Throwable failure) throws E {
        throw (E) failure;
    }
}
