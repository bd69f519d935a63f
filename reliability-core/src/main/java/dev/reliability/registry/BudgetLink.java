package dev.reliability.registry;

import dev.reliability.internal.SharedBudgets;
import dev.reliability.retry.RetryBudget;
import dev.reliability.state.StateValue;
import dev.reliability.state.VersionedValue;
import java.util.Map;
import java.util.Optional;

/**
 * The store side of a shared {@link RetryBudget}: one record under {@code reliability:budget:<name>} holding the
 * cluster's balance (millionths of a token) and the wall-clock time it was last written. On the sync worker, once per
 * sync interval, it refills the floor for the time since then, once for the whole cluster, adds this JVM's net deposit,
 * clamps to the capacity and writes by compare-and-set; with nothing to deposit it only reads, and the budget adopts
 * the balance.
 */
final class BudgetLink {
    static final String KEY_PREFIX = "reliability:budget:";
    private static final int MAX_ATTEMPTS = 16;

    final String name;
    final String key;
    final SharedBudgets.Ledger ledger = new SharedBudgets.Ledger();
    private final long capacity;
    private final double perMilli;

    BudgetLink(String name, RetryBudget template) {
        this.name = name;
        this.key = KEY_PREFIX + name;
        this.capacity = template.maxTokens() * 1_000_000L;
        this.perMilli = template.minRetriesPerSecond() * 1_000.0; // millionths of a token per millisecond
    }

    /**
     * Flushes the net deposit and adopts the cluster's balance, starting from {@code first} (the worker's batched read)
     * or, when null, from a read of its own. Throws {@link SyncWorker.Unavailable} when the store fails, keeping the
     * deposit for the next time.
     */
    synchronized void sync(SyncWorker worker, Optional<VersionedValue> first) {
        long delta = ledger.drain();
        try {
            Optional<VersionedValue> current = first;
            for (int i = 0; i < MAX_ATTEMPTS; i++) {
                if (current == null) {
                    current = worker.readValue(name, key);
                }
                long now = worker.wallMillis();
                long balance = capacity;
                long at = now;
                long version = 0L;
                boolean readable = false;
                if (current.isPresent()) {
                    version = current.get().version();
                    try {
                        Map<String, StateValue> map = current.get().value().asMap();
                        balance = map.get("balance").asLong();
                        at = map.get("atMs").asLong();
                        readable = true;
                    } catch (RuntimeException malformed) {
                        // overwritten below, starting full
                    }
                }
                double refill = Math.max(0L, now - at) * perMilli;
                long next = (long) Math.max(0d, Math.min((double) capacity, balance + refill + delta));
                if (delta == 0 && readable) {
                    ledger.adopt(next); // nothing to deposit: the refill is written by the next node that deposits
                    return;
                }
                StateValue record =
                        StateValue.ofMap(Map.of("balance", StateValue.of(next), "atMs", StateValue.of(now)));
                if (worker.casValue(name, key, version, record)) {
                    ledger.adopt(next);
                    return;
                }
                current = null;
            }
            ledger.restore(delta);
        } catch (SyncWorker.Unavailable down) {
            ledger.restore(delta);
            throw down;
        }
    }
}
