package dev.reliability.internal;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

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
         * Returns a budget with the template's settings whose deposits and retries go through {@code ledger}.
         *
         * @param template the budget whose settings to copy
         * @param timeSource the time source the budget reads
         * @param ledger where the budget records its net deposits and from where it learns the cluster's balance
         */
        Object create(Object template, Object timeSource, Ledger ledger);
    }

    /**
     * What one shared budget owes the store, and how it adopts the cluster's balance. The budget adds to it on the
     * caller's thread (a striped add, never store I/O); the registry's sync worker drains it, writes the sum and hands
     * back the cluster's balance. Balances and deposits are in millionths of a token.
     */
    public static final class Ledger {
        private final LongAdder unflushed = new LongAdder();
        private volatile LongConsumer adopt = shared -> {};

        /** Budget side: a deposit (positive) or a retry (negative) made since the last drain. */
        public void add(long amount) {
            unflushed.add(amount);
        }

        /** Budget side: what the worker's adoptions call, with the cluster's balance. */
        public void onAdopt(LongConsumer adopter) {
            this.adopt = adopter;
        }

        /** Budget side: what was added since the last drain. */
        public long pending() {
            return unflushed.sum();
        }

        /** Worker side: takes the net deposit to write. */
        public long drain() {
            return unflushed.sumThenReset();
        }

        /** Worker side: gives back a drained deposit that could not be written. */
        public void restore(long amount) {
            unflushed.add(amount);
        }

        /** Worker side: the cluster's balance after the last write or read. */
        public void adopt(long shared) {
            adopt.accept(shared);
        }
    }

    private static volatile Factory factory;

    private SharedBudgets() {}

    /** Registers the factory; called once by the retry budget class. */
    public static void register(Factory f) {
        factory = f;
    }

    /** Builds a shared budget; the template's class has registered the factory. */
    public static Object create(Object template, Object timeSource, Ledger ledger) {
        Factory f = factory;
        if (f == null) {
            throw new IllegalStateException("no retry budget factory registered");
        }
        return f.create(template, timeSource, ledger);
    }
}
