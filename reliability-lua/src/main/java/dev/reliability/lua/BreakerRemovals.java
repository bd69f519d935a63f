package dev.reliability.lua;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.registry.Registry;
import dev.reliability.registry.RegistryListener;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Counts the breakers that left a registry, so a breaker cached by a Lua runtime is known to be still the registry's
 * with one read instead of a lookup by name per call.
 *
 * <p>One per registry, shared by every runtime on it, so building runtimes adds no listeners; it holds no reference
 * to the registry, which it is subscribed to. Thread-safe: the registry calls it under its own lock.
 */
final class BreakerRemovals implements RegistryListener {
    private static final Map<Registry, BreakerRemovals> BY_REGISTRY = new WeakHashMap<>();

    private volatile int count;

    private BreakerRemovals() {}

    /** The counter subscribed to {@code registry}, created on first use. */
    static BreakerRemovals of(Registry registry) {
        synchronized (BY_REGISTRY) {
            return BY_REGISTRY.computeIfAbsent(registry, newRegistry -> {
                BreakerRemovals removals = new BreakerRemovals();
                newRegistry.subscribe(removals);
                return removals;
            });
        }
    }

    /** How many breakers have left the registry; a breaker found before a change may no longer be its. */
    int count() {
        return count;
    }

    @Override
    @SuppressWarnings("NonAtomicVolatileUpdate") // one writer at a time: the registry calls this with its lock held
    public void onCircuitBreakerRemoved(CircuitBreaker breaker) {
        count++;
    }
}
