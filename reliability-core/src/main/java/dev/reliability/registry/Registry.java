package dev.reliability.registry;

import static dev.reliability.internal.Preconditions.checkArgument;
import static dev.reliability.internal.Preconditions.checkAtLeast;
import static dev.reliability.internal.Preconditions.checkName;
import static dev.reliability.internal.Preconditions.checkNotNull;
import static dev.reliability.internal.Preconditions.checkPositive;

import dev.reliability.TimeSource;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.circuitbreaker.CircuitStats;
import dev.reliability.circuitbreaker.StateTransition;
import dev.reliability.internal.Listeners;
import dev.reliability.internal.SharedBudgets;
import dev.reliability.retry.RetryBudget;
import dev.reliability.state.StateStore;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * Creates and keeps named circuit breakers, and supplies what they run <em>with</em>: the {@link TimeSource}, the
 * random generator, the listeners and, optionally, a {@link StateStore} that makes breakers survive restarts and
 * shares them between JVMs.
 *
 * <pre>{@code
 * Registry registry = Registry.builder().timeSource(TimeSource.system()).listener(listener).build();
 * CircuitBreaker breaker = registry.circuitBreaker("payments", config);   // get or create by name
 * }</pre>
 *
 * <p><b>Persistent and shared breakers.</b> With {@link Builder#stateStore}, every breaker the registry creates keeps
 * a versioned record in the store, under the key {@code reliability:breaker:<name>}: state, generation, open-until
 * time (wall clock, epoch milliseconds), open duration, consecutive failures and half-open progress.
 *
 * <ul>
 *   <li>Transitions and counted failures are written through at once, on the caller's thread; a closed breaker with
 *       no consecutive failures does no store I/O on its permit and success paths.
 *   <li>A breaker created later (after a restart, or in another JVM) resumes the stored state: an open breaker stays
 *       open for its remaining time, and consecutive failures carry on.
 *   <li>Under a {@link SharingPolicy} that adopts remote state, each breaker re-reads its record at most once per
 *       {@link Builder#syncInterval}: on the first clock reading it samples after the interval (so a busy breaker
 *       refreshes within about a millisecond of it, and no caller waits on another's refresh), on {@link
 *       CircuitBreaker#state()}, and on a scheduler when {@link Builder#syncExecutor} is set. Half-open trial permits
 *       are claimed in the record by compare-and-set, so exactly {@code halfOpenPermits} trials run across JVMs.
 *   <li>When the store fails, breakers keep working on local state; one {@link
 *       CircuitBreakerListener#onStoreUnavailable} event and one WARNING log line report the outage, the store is
 *       tried again once per sync interval, and each breaker reconciles by compare-and-set when it answers (see
 *       {@link SharingPolicy} and the README for the conflict rules).
 * </ul>
 *
 * <p>A name maps to one breaker: asking again with an equal config returns the same instance, and asking with a
 * different config throws. With {@link Builder#maxBreakers} set, creating a breaker beyond the bound evicts the idlest
 * {@link CircuitState#CLOSED} breaker; a breaker in any other state is never evicted. A breaker that is removed or
 * evicted stops notifying the registry's listeners, so nothing of it stays reachable from the registry.
 *
 * <p>Thread-safe. Lookups of existing breakers take no lock; creation, removal and eviction are serialised.
 */
public final class Registry {
    /** Default for {@link Builder#syncInterval}: one second. */
    public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(1);

    private final TimeSource timeSource;
    private final RandomGenerator random;
    private final List<CircuitBreakerListener> listeners;
    private final int maxBreakers;
    private final CircuitBreakerConfig defaultConfig;
    private final StateStore stateStore;
    private final Duration syncInterval;
    private final SharingPolicy sharingPolicy;
    private final StoreLink link;

    private final ConcurrentHashMap<String, Entry> breakers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, RetryBudget> budgets = new ConcurrentHashMap<>();
    /** A logical clock for idleness: ticks on every lookup, never reads real time. */
    private final AtomicLong ticks = new AtomicLong();

    private final Object lock = new Object();

    private Registry(Builder builder) {
        this.timeSource = builder.timeSource;
        this.random = builder.random;
        this.listeners = List.copyOf(builder.listeners);
        this.maxBreakers = builder.maxBreakers;
        this.defaultConfig = builder.defaultConfig;
        this.stateStore = builder.stateStore;
        this.syncInterval = builder.syncInterval;
        this.sharingPolicy = builder.sharingPolicy;
        this.link = stateStore == null
                ? null
                : new StoreLink(stateStore, sharingPolicy, syncInterval.toNanos(), timeSource, listeners);
        if (link != null && builder.syncExecutor != null) {
            Refresher.start(this, builder.syncExecutor, syncInterval);
        }
    }

    /**
     * Refreshes every persisted breaker on the user's scheduler. It holds the registry weakly, so a registry nobody
     * uses any more is collected, and the task then cancels itself.
     */
    private static final class Refresher implements Runnable {
        private final WeakReference<Registry> registry;
        private volatile Future<?> task;

        private Refresher(Registry registry) {
            this.registry = new WeakReference<>(registry);
        }

        static void start(Registry registry, ScheduledExecutorService executor, Duration interval) {
            Refresher refresher = new Refresher(registry);
            long nanos = interval.toNanos();
            refresher.task = executor.scheduleAtFixedRate(refresher, nanos, nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void run() {
            Registry r = registry.get();
            if (r == null) {
                Future<?> t = task;
                if (t != null) {
                    t.cancel(false);
                }
                return;
            }
            r.refreshAll();
        }
    }

    /** Re-reads every persisted breaker's record now, skipping any that another thread is syncing. */
    void refreshAll() {
        for (Entry entry : breakers.values()) {
            if (entry.sync != null) {
                entry.sync.refreshNow();
            }
        }
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
     * @throws IllegalArgumentException if {@code name} is blank, or with a state store is longer than 235 characters
     *     or holds a NUL or an unpaired surrogate
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
     * @throws IllegalArgumentException if {@code name} is blank, or with a state store is longer than 235 characters
     *     or holds a NUL or an unpaired surrogate
     * @throws IllegalStateException if the breaker exists with a different config (the message names both), or the
     *     bound is reached and every breaker is in a state other than CLOSED
     */
    public CircuitBreaker circuitBreaker(String name, CircuitBreakerConfig config) {
        checkName(name, "name");
        checkNotNull(config, "config");
        if (link != null) {
            int max = StateStore.MAX_KEY_LENGTH - BreakerRecord.KEY_PREFIX.length();
            checkArgument(
                    name.length() <= max,
                    "name must be at most %s characters with a state store, was %s",
                    max,
                    name.length());
            StateStore.checkKey(name, "name"); // a store key holds no NUL and no unpaired surrogate
        }
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
        List<CircuitBreakerListener> attached = new ArrayList<>(2);
        // The breaker recognises its persistence among its listeners (and does not call it as one).
        StoreSync sync = link == null ? null : new StoreSync(link, name);
        if (sync != null) {
            attached.add(sync);
        }
        Detachable detachable = listeners.isEmpty() ? null : new Detachable(listeners);
        if (detachable != null) {
            attached.add(detachable);
        }
        Entry entry = new Entry(CircuitBreaker.of(name, config, timeSource, attached), detachable, sync);
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
     * Returns the retry budget with this name, creating it with the template's settings and the registry's time source
     * if it does not exist. With a state store, the budget is one token bucket for every JVM on the store: each JVM
     * flushes its deposits and retries once per sync interval and adopts the cluster's balance (see {@link
     * RetryBudget}). Without one, it is a budget local to this registry.
     *
     * <pre>{@code
     * RetryBudget budget = registry.retryBudget("inventory", RetryBudget.ofDefaults());
     * RetryPolicy policy = RetryPolicy.builder().budget(budget).build();
     * }</pre>
     *
     * @param name the budget's name
     * @param template the settings: retry ratio, minimum retries per second, maximum tokens
     * @return the budget
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is blank, or with a state store is longer than 236 characters
     *     or holds a NUL or an unpaired surrogate
     * @throws IllegalStateException if the budget exists with different settings
     */
    public RetryBudget retryBudget(String name, RetryBudget template) {
        checkName(name, "name");
        checkNotNull(template, "template");
        if (link != null) {
            int max = StateStore.MAX_KEY_LENGTH - BudgetFlush.KEY_PREFIX.length();
            checkArgument(
                    name.length() <= max,
                    "name must be at most %s characters with a state store, was %s",
                    max,
                    name.length());
            StateStore.checkKey(name, "name");
        }
        RetryBudget budget = budgets.computeIfAbsent(
                name,
                n -> link == null
                        ? RetryBudget.builder()
                                .retryRatio(template.retryRatio())
                                .minRetriesPerSecond(template.minRetriesPerSecond())
                                .maxTokens(template.maxTokens())
                                .timeSource(timeSource)
                                .build()
                        : (RetryBudget) SharedBudgets.create(
                                template, timeSource, new BudgetFlush(link, n, template), syncInterval.toNanos()));
        boolean same = budget.retryRatio() == template.retryRatio()
                && budget.minRetriesPerSecond() == template.minRetriesPerSecond()
                && budget.maxTokens() == template.maxTokens();
        if (!same) {
            throw new IllegalStateException("retry budget '" + name + "' already exists with retryRatio="
                    + budget.retryRatio() + ", minRetriesPerSecond=" + budget.minRetriesPerSecond() + ", maxTokens="
                    + budget.maxTokens() + "; requested " + template.retryRatio() + ", "
                    + template.minRetriesPerSecond() + ", " + template.maxTokens());
        }
        return budget;
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

    /**
     * Returns the state store breakers persist through.
     *
     * @return the store, or empty when breakers keep their state in this JVM only
     */
    public Optional<StateStore> stateStore() {
        return Optional.ofNullable(stateStore);
    }

    /**
     * Returns how often a persisted breaker re-reads its record to adopt other JVMs' changes.
     *
     * @return the sync interval
     */
    public Duration syncInterval() {
        return syncInterval;
    }

    /**
     * Returns how persisted breakers share their state across JVMs.
     *
     * @return the sharing policy
     */
    public SharingPolicy sharingPolicy() {
        return sharingPolicy;
    }

    /** How many store outages this registry has reported, for tests. */
    long storeOutages() {
        return link == null ? 0L : link.outages();
    }

    /** The persistence of a breaker, for tests; null without a store or breaker. */
    StoreSync syncOf(String name) {
        Entry entry = breakers.get(name);
        return entry == null ? null : entry.sync;
    }

    @Override
    public String toString() {
        return "Registry[breakers=" + breakers.size() + ", maxBreakers=" + maxBreakers + ", timeSource=" + timeSource
                + (stateStore == null
                        ? ""
                        : ", stateStore=" + stateStore + ", sharingPolicy=" + sharingPolicy + ", syncInterval="
                                + syncInterval)
                + "]";
    }

    private static final class Entry {
        final CircuitBreaker breaker;
        final Detachable detachable;
        final StoreSync sync;
        volatile long lastLookup;
        // Read and written only under the registry lock, during eviction scans.
        long activity;
        long lastActive;

        Entry(CircuitBreaker breaker, Detachable detachable, StoreSync sync) {
            this.breaker = breaker;
            this.detachable = detachable;
            this.sync = sync;
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
        private StateStore stateStore;
        private Duration syncInterval = DEFAULT_SYNC_INTERVAL;
        private SharingPolicy sharingPolicy = SharingPolicy.ANY_NODE;
        private ScheduledExecutorService syncExecutor;

        private Builder() {}

        /**
         * Sets the store every breaker of the registry persists through, so that breakers survive restarts and, under
         * the {@link #sharingPolicy}, are shared by every JVM on the same store. Default: none, state lives in this
         * JVM. The registry neither closes the store nor owns it.
         *
         * @param store the state store
         * @return this builder
         * @throws NullPointerException if {@code store} is null
         */
        public Builder stateStore(StateStore store) {
            this.stateStore = checkNotNull(store, "store");
            return this;
        }

        /**
         * Sets how often a persisted breaker re-reads its record to adopt other JVMs' transitions; another JVM's OPEN
         * is therefore adopted within about this interval. Shorter means faster adoption and more store reads (one
         * per breaker and interval, only while the breaker is used or a {@link #syncExecutor} is set). Default {@link
         * #DEFAULT_SYNC_INTERVAL}, one second.
         *
         * @param interval the interval, positive
         * @return this builder
         * @throws NullPointerException if {@code interval} is null
         * @throws IllegalArgumentException if {@code interval} is zero or negative
         */
        public Builder syncInterval(Duration interval) {
            this.syncInterval = checkPositive(interval, "syncInterval");
            return this;
        }

        /**
         * Sets how persisted breakers share state across JVMs. Default {@link SharingPolicy#ANY_NODE}.
         *
         * @param policy the policy
         * @return this builder
         * @throws NullPointerException if {@code policy} is null
         */
        public Builder sharingPolicy(SharingPolicy policy) {
            this.sharingPolicy = checkNotNull(policy, "policy");
            return this;
        }

        /**
         * Sets a scheduler that refreshes every persisted breaker once per sync interval, so idle breakers adopt
         * other JVMs' state too and no caller ever runs a refresh. The registry schedules one task on it; shutting the
         * executor down stops it. Default: none, breakers refresh lazily as they are used.
         *
         * @param executor the scheduler, owned by the caller
         * @return this builder
         * @throws NullPointerException if {@code executor} is null
         */
        public Builder syncExecutor(ScheduledExecutorService executor) {
            this.syncExecutor = checkNotNull(executor, "executor");
            return this;
        }

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
