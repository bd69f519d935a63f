package dev.reliability.registry;

import static dev.reliability.internal.Preconditions.checkAtLeast;
import static dev.reliability.internal.Preconditions.checkName;
import static dev.reliability.internal.Preconditions.checkNotNull;

import dev.reliability.TimeSource;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.circuitbreaker.CircuitStats;
import dev.reliability.circuitbreaker.StateTransition;
import dev.reliability.internal.Listeners;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * Creates and keeps named circuit breakers, and supplies what they run <em>with</em>: the {@link TimeSource}, the
 * random generator and the listeners (in a later release, the state store).
 *
 * <pre>{@code
 * Registry registry = Registry.builder().timeSource(TimeSource.system()).listener(listener).build();
 * CircuitBreaker breaker = registry.circuitBreaker("payments", config);   // get or create by name
 * }</pre>
 *
 * <p>A name maps to one breaker: asking again with an equal config returns the same instance, and asking with a
 * different config throws. With {@link Builder#maxBreakers} set, creating a breaker beyond the bound evicts the idlest
 * {@link CircuitState#CLOSED} breaker; a breaker in any other state is never evicted. A breaker that is removed or
 * evicted stops notifying the registry's listeners, so nothing of it stays reachable from the registry.
 *
 * <p>Thread-safe. Lookups of existing breakers take no lock; creation, removal and eviction are serialised.
 */
public final class Registry {
    private final TimeSource timeSource;
    private final RandomGenerator random;
    private final List<CircuitBreakerListener> listeners;
    private final int maxBreakers;
    private final CircuitBreakerConfig defaultConfig;

    private final ConcurrentHashMap<String, Entry> breakers = new ConcurrentHashMap<>();
    /** A logical clock for idleness: ticks on every lookup, never reads real time. */
    private final AtomicLong ticks = new AtomicLong();

    private final Object lock = new Object();

    private Registry(Builder builder) {
        this.timeSource = builder.timeSource;
        this.random = builder.random;
        this.listeners = List.copyOf(builder.listeners);
        this.maxBreakers = builder.maxBreakers;
        this.defaultConfig = builder.defaultConfig;
    }

    /**
     * Returns a new builder with the system time source, {@link ThreadLocalRandom}, no listeners and no bound.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a new registry with every setting at its default.
     *
     * @return a new registry
     */
    public static Registry ofDefaults() {
        return builder().build();
    }

    /**
     * Returns the breaker with this name, creating it with the registry's default config if it does not exist.
     *
     * @param name the breaker's name
     * @return the breaker
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if the breaker exists with a different config, or the bound is reached and no
     *     breaker can be evicted
     */
    public CircuitBreaker circuitBreaker(String name) {
        return circuitBreaker(name, defaultConfig);
    }

    /**
     * Returns the breaker with this name, creating it with {@code config} if it does not exist.
     *
     * @param name the breaker's name
     * @param config the config the breaker must have
     * @return the breaker
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if the breaker exists with a different config (the message names both), or the
     *     bound is reached and every breaker is in a state other than CLOSED
     */
    public CircuitBreaker circuitBreaker(String name, CircuitBreakerConfig config) {
        checkName(name, "name");
        checkNotNull(config, "config");
        Entry entry = breakers.get(name);
        if (entry == null) {
            synchronized (lock) {
                entry = breakers.get(name);
                if (entry == null) {
                    entry = create(name, config);
                }
            }
        }
        CircuitBreakerConfig existing = entry.breaker.config();
        if (existing != config && !existing.equals(config)) {
            throw new IllegalStateException("circuit breaker '" + name + "' already exists with config " + existing
                    + ", requested config " + config);
        }
        if (maxBreakers != Integer.MAX_VALUE) {
            // Idleness matters only with a bound; without one, lookups write no shared counter.
            entry.lastLookup = ticks.incrementAndGet();
        }
        return entry.breaker;
    }

    private Entry create(String name, CircuitBreakerConfig config) {
        if (breakers.size() >= maxBreakers) {
            evictIdlest();
        }
        Entry entry;
        if (listeners.isEmpty()) {
            entry = new Entry(CircuitBreaker.of(name, config, timeSource, List.of()), null);
        } else {
            Detachable detachable = new Detachable(listeners);
            entry = new Entry(CircuitBreaker.of(name, config, timeSource, List.of(detachable)), detachable);
        }
        breakers.put(name, entry);
        return entry;
    }

    /** Evicts the CLOSED breaker that has been idle longest; called with the lock held. */
    private void evictIdlest() {
        long now = ticks.get();
        String idlest = null;
        long idlestSince = Long.MAX_VALUE;
        for (var e : breakers.entrySet()) {
            Entry entry = e.getValue();
            CircuitStats stats = entry.breaker.stats();
            if (stats.state() != CircuitState.CLOSED) {
                continue;
            }
            // A breaker used directly (not looked up) is still active: any new call since the last scan counts.
            long activity = stats.requests() + stats.rejected();
            if (activity != entry.activity) {
                entry.activity = activity;
                entry.lastActive = now;
            }
            long since = Math.max(entry.lastLookup, entry.lastActive);
            if (since < idlestSince) {
                idlestSince = since;
                idlest = e.getKey();
            }
        }
        if (idlest == null) {
            throw new IllegalStateException(
                    "maxBreakers (" + maxBreakers + ") reached and no breaker is CLOSED, so none can be evicted");
        }
        detach(breakers.remove(idlest));
    }

    /**
     * Returns the breaker with this name if it exists, without creating it.
     *
     * @param name the breaker's name
     * @return the breaker, or empty
     * @throws NullPointerException if {@code name} is null
     */
    public Optional<CircuitBreaker> find(String name) {
        checkNotNull(name, "name");
        Entry entry = breakers.get(name);
        return entry == null ? Optional.empty() : Optional.of(entry.breaker);
    }

    /**
     * Returns the names of the breakers in this registry, sorted.
     *
     * @return a new sorted, unmodifiable list
     */
    public List<String> circuitBreakerNames() {
        List<String> names = new ArrayList<>(breakers.keySet());
        names.sort(null);
        return List.copyOf(names);
    }

    /**
     * Resets the named breaker, as {@link CircuitBreaker#reset()} does.
     *
     * @param name the breaker's name
     * @return true if the breaker exists, false otherwise
     * @throws NullPointerException if {@code name} is null
     */
    public boolean reset(String name) {
        checkNotNull(name, "name");
        Entry entry = breakers.get(name);
        if (entry == null) {
            return false;
        }
        entry.breaker.reset();
        return true;
    }

    /**
     * Removes the named breaker and detaches it from the registry's listeners. A caller that still holds it can keep
     * using it, unobserved; asking the registry for the name again creates a new breaker.
     *
     * @param name the breaker's name
     * @return true if a breaker was removed
     * @throws NullPointerException if {@code name} is null
     */
    public boolean remove(String name) {
        checkNotNull(name, "name");
        Entry removed;
        synchronized (lock) {
            removed = breakers.remove(name);
        }
        detach(removed);
        return removed != null;
    }

    private static void detach(Entry entry) {
        if (entry != null && entry.detachable != null) {
            entry.detachable.detach();
        }
    }

    /**
     * Returns the time source every component of this registry reads.
     *
     * @return the time source
     */
    public TimeSource timeSource() {
        return timeSource;
    }

    /**
     * Returns the random generator for jitter.
     *
     * @return the generator
     */
    public RandomGenerator random() {
        return random;
    }

    /**
     * Returns the listeners every breaker of this registry notifies, in order.
     *
     * @return an unmodifiable list
     */
    public List<CircuitBreakerListener> listeners() {
        return listeners;
    }

    /**
     * Returns the most breakers this registry keeps.
     *
     * @return the bound, {@link Integer#MAX_VALUE} when unbounded
     */
    public int maxBreakers() {
        return maxBreakers;
    }

    /**
     * Returns the config {@link #circuitBreaker(String)} creates breakers with.
     *
     * @return the default breaker config
     */
    public CircuitBreakerConfig defaultConfig() {
        return defaultConfig;
    }

    @Override
    public String toString() {
        return "Registry[breakers=" + breakers.size() + ", maxBreakers=" + maxBreakers + ", timeSource=" + timeSource
                + "]";
    }

    private static final class Entry {
        final CircuitBreaker breaker;
        final Detachable detachable;
        volatile long lastLookup;
        // Read and written only under the registry lock, during eviction scans.
        long activity;
        long lastActive;

        Entry(CircuitBreaker breaker, Detachable detachable) {
            this.breaker = breaker;
            this.detachable = detachable;
        }
    }

    /**
     * Forwards a breaker's events to the registry's listeners until the breaker leaves the registry. A listener that
     * throws is logged and skipped, so the others still run and the call's outcome is kept.
     */
    private static final class Detachable implements CircuitBreakerListener {
        private final CircuitBreakerListener[] targets;
        private volatile boolean attached = true;

        Detachable(List<CircuitBreakerListener> targets) {
            this.targets = targets.toArray(new CircuitBreakerListener[0]);
        }

        void detach() {
            attached = false;
        }

        @Override
        public void onStateTransition(StateTransition transition) {
            if (attached) {
                for (CircuitBreakerListener target : targets) {
                    try {
                        target.onStateTransition(transition);
                    } catch (Throwable t) {
                        Listeners.listenerFailed("onStateTransition", transition.breakerName(), t);
                    }
                }
            }
        }

        @Override
        public void onCallNotPermitted(String breakerName, CircuitState state) {
            if (attached) {
                for (CircuitBreakerListener target : targets) {
                    try {
                        target.onCallNotPermitted(breakerName, state);
                    } catch (Throwable t) {
                        Listeners.listenerFailed("onCallNotPermitted", breakerName, t);
                    }
                }
            }
        }

        @Override
        public void onSuccess(String breakerName, long durationNanos) {
            if (attached) {
                for (CircuitBreakerListener target : targets) {
                    try {
                        target.onSuccess(breakerName, durationNanos);
                    } catch (Throwable t) {
                        Listeners.listenerFailed("onSuccess", breakerName, t);
                    }
                }
            }
        }

        @Override
        public void onError(String breakerName, long durationNanos, Throwable error) {
            if (attached) {
                for (CircuitBreakerListener target : targets) {
                    try {
                        target.onError(breakerName, durationNanos, error);
                    } catch (Throwable t) {
                        Listeners.listenerFailed("onError", breakerName, t);
                    }
                }
            }
        }
    }

    /**
     * Builds a {@link Registry}. The last call of a setter wins. Not thread-safe.
     */
    public static final class Builder {
        private TimeSource timeSource = TimeSource.system();
        private RandomGenerator random = ThreadLocalRandom.current();
        private final List<CircuitBreakerListener> listeners = new ArrayList<>();
        private int maxBreakers = Integer.MAX_VALUE;
        private CircuitBreakerConfig defaultConfig = CircuitBreakerConfig.ofDefaults();

        private Builder() {}

        /**
         * Sets the time source every component reads. Default {@link TimeSource#system()}.
         *
         * @param timeSource the time source
         * @return this builder
         * @throws NullPointerException if {@code timeSource} is null
         */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = checkNotNull(timeSource, "timeSource");
            return this;
        }

        /**
         * Sets the random generator for jitter; it must be thread-safe if the registry is shared by threads. Default
         * {@link ThreadLocalRandom#current()}.
         *
         * @param random the generator
         * @return this builder
         * @throws NullPointerException if {@code random} is null
         */
        public Builder random(RandomGenerator random) {
            this.random = checkNotNull(random, "random");
            return this;
        }

        /**
         * Adds a listener that every breaker of the registry notifies; listeners are called in the order added.
         * Default: none.
         *
         * @param listener the listener
         * @return this builder
         * @throws NullPointerException if {@code listener} is null
         */
        public Builder listener(CircuitBreakerListener listener) {
            listeners.add(checkNotNull(listener, "listener"));
            return this;
        }

        /**
         * Bounds the number of breakers, for names per host or per tenant. Default: unbounded.
         *
         * @param maxBreakers the bound, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code maxBreakers < 1}
         */
        public Builder maxBreakers(int maxBreakers) {
            this.maxBreakers = checkAtLeast(maxBreakers, 1, "maxBreakers");
            return this;
        }

        /**
         * Sets the config that {@link Registry#circuitBreaker(String)} uses. Default {@link
         * CircuitBreakerConfig#ofDefaults()}.
         *
         * @param config the default breaker config
         * @return this builder
         * @throws NullPointerException if {@code config} is null
         */
        public Builder defaultConfig(CircuitBreakerConfig config) {
            this.defaultConfig = checkNotNull(config, "config");
            return this;
        }

        /**
         * Builds the registry.
         *
         * @return a new registry holding no breakers
         */
        public Registry build() {
            return new Registry(this);
        }
    }
}
