package dev.reliability;

/**
 * A supplier that may throw a checked exception, which passes through the library unchanged.
 *
 * @param <T> the type of the result
 * @param <X> the checked exception the supplier may throw; {@code RuntimeException} when it throws none
 */
@FunctionalInterface
public interface CheckedSupplier<T, X extends Exception> {

    /**
     * Computes a result.
     *
     * @return the result, possibly null
     * @throws X if the computation fails
     */
    T get() throws X;
}
