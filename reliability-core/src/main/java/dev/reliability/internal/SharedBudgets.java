package dev.reliability.internal;

import java.util.function.LongUnaryOperator;

/**
 * The bridge through which the registry builds retry budgets shared through its state store, without the retry
 * package depending on the state store or the registry: the retry budget registers a factory here when its class is
 * initialised, which has happened by the time the registry holds a template budget.
 */
public final class SharedBudgets {

    /** Builds a shared budget. */
    @FunctionalInterface
    public interface Factory {
        /**
         * Returns a budget with the template's settings that flushes through {@code flush}.
         *
         * @param template the budget whose settings to copy
         * @param timeSource the time source the budget reads
         * @param flush called at most once per {@code flushNanos} with the local net deposit since the last flush, in
         *     millionths of a token; returns the cluster's balance after it, in millionths, or a negative number if
         *     the store failed (the deposit is then kept for the next flush)
         * @param flushNanos the flush interval
         */
        Object create(Object template, Object timeSource, LongUnaryOperator flush, long flushNanos);
    }

    private static volatile Factory factory;

    private SharedBudgets() {}

    /** Registers the factory; called once by the retry budget class. */
    public static void register(Factory f) {
        factory = f;
    }

    /** Builds a shared budget; the template's class has registered the factory. */
    public static Object create(Object template, Object timeSource, LongUnaryOperator flush, long flushNanos) {
        Factory f = factory;
        if (f == null) {
            throw new IllegalStateException("no retry budget factory registered");
        }
        return f.create(template, timeSource, flush, flushNanos);
    }
}
