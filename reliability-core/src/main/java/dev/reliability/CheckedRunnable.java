package dev.reliability;

/**
 * An action without a result that may throw a checked exception, which passes through the library unchanged.
 *
 * @param <X> the checked exception the action may throw; {@code RuntimeException} when it throws none
 */
@FunctionalInterface
public interface CheckedRunnable<X extends Exception> {

    /**
     * Runs the action.
     *
     * @throws X if the action fails
     */
    void run() throws X;
}
