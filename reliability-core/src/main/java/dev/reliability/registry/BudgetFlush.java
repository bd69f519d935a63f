package dev.reliability.registry;

import dev.reliability.retry.RetryBudget;
import dev.reliability.state.StateValue;
import dev.reliability.state.VersionedValue;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongUnaryOperator;

/**
 * The store side of a shared {@link RetryBudget}: one record under {@code reliability:budget:<name>} holding the
 * cluster's balance (millionths of a token) and the wall-clock time it was last written. A flush refills the floor
 * for the time since then, once for the whole cluster, adds the flushing JVM's net deposit, clamps to the capacity
 * and writes by compare-and-set.
 */
final class BudgetFlush implements LongUnaryOperator {
    static final String KEY_PREFIX = "reliability:budget:";
    private static final int MAX_ATTEMPTS = 16;

    private final StoreLink link;
    private final String name;
    private final String key;
    private final long capacity;
    private final double perMilli;

    BudgetFlush(StoreLink link, String name, RetryBudget template) {
        this.link = link;
        this.name = name;
        this.key = KEY_PREFIX + name;
        this.capacity = template.maxTokens() * 1_000_000L;
        this.perMilli = template.minRetriesPerSecond() * 1_000.0; // millionths of a token per millisecond
    }

    @Override
    public long applyAsLong(long delta) {
        try {
            for (int i = 0; i < MAX_ATTEMPTS; i++) {
                Optional<VersionedValue> current = link.call(name, () -> link.store.getVersioned(key));
                long now = link.wallMillis();
                long balance = capacity;
                long at = now;
                long version = 0L;
                if (current.isPresent()) {
                    version = current.get().version();
                    try {
                        Map<String, StateValue> map = current.get().value().asMap();
                        balance = map.get("balance").asLong();
                        at = map.get("atMs").asLong();
                    } catch (RuntimeException malformed) {
                        // overwritten below, starting full
                    }
                }
                double refill = Math.max(0L, now - at) * perMilli;
                long next = (long) Math.max(0d, Math.min((double) capacity, balance + refill + delta));
                StateValue record =
                        StateValue.ofMap(Map.of("balance", StateValue.of(next), "atMs", StateValue.of(now)));
                long expected = version;
                if (link.call(name, () -> link.store.compareAndSetVersion(key, expected, record))) {
                    return next;
                }
            }
            return -1L;
        } catch (StoreLink.Unavailable down) {
            return -1L;
        }
    }
}
