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
import dev.reliability.internal.BreakerEvents;
import dev.reliability.internal.BreakerSync;
import dev.reliability.internal.Listeners;
import dev.reliability.internal.SharedBudgets;
import dev.reliability.retry.Retry;
import dev.reliability.retry.RetryBudget;
import dev.reliability.retry.RetryPolicy;
import dev.reliability.state.AbstractStateStore;
import dev.reliability.state.StateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Creates and keeps named circuit breakers, retries and retry budgets, and supplies what they run <em>with</em>: the
 * {@link TimeSource}, the random generator, the listeners and, optionally, a {@link StateStore} that makes breakers
 * survive restarts and shares them between JVMs.
 *
 * <pre>{@code
 * Registry registry = Registry.builder().timeSource(TimeSource.system()).listener(listener).build();
 * CircuitBreaker breaker = registry.circuitBreaker("payments", config);   // get or create by name
 * Retry retry = registry.retry("inventory", policy);                      // the same for retries
 * }</pre>
 *
 * <p>What a registry holds can be listed ({@link #circuitBreakerNames()}, {@link #retryNames()}, {@link
 * #retryBudgetNames()}) and followed as it changes ({@link #subscribe}), which is how a metrics binding finds every
 * member.
 *
 * <p><b>Persistent and shared breakers.</b> With {@link Builder#stateStore}, every breaker the registry creates keeps
 * a versioned record in the store, under the key {@code reliability:breaker:<name>}: state, generation, open-until
 * time (wall clock, epoch milliseconds), open duration, consecutive failures and half-open progress. One sync worker
 * per registry (a daemon thread it owns, or the {@link Builder#syncExecutor}) does all the store I/O; <b>no caller
 * waits for the store</b>, except in the two bounded cases below.
 *
 * <ul>
 *   <li>Transitions, counted failures, trial outcomes and admin actions ({@code forceOpen}, {@code reset}, ...) take
 *       effect locally at once and are queued per breaker; the worker writes them by compare-and-set within {@link
 *       Builder#flushDelay} (default 10 ms), coalescing what one breaker queued meanwhile. {@link #close()} writes what
 *       is queued. A crash loses at most the writes of the last flush delay.
 *   <li>A breaker created later (after a restart, or in another JVM) starts from the stored state: an open breaker
 *       stays open for its remaining time, and consecutive failures carry on. Creating a breaker waits for that read
 *       at most {@link Builder#storeTimeout} (default 250 ms).
 *   <li>Under a {@link SharingPolicy} that adopts remote state, the worker re-reads every record of the registry once
 *       per {@link Builder#syncInterval} with one batched read ({@link StateStore#getAllVersioned}, 1,000 keys per
 *       call), and, where the store pushes changes ({@link StateStore#watch}), re-reads a changed record at once.
 *   <li>Half-open trials are claimed in the record by compare-and-set, on the worker, so exactly {@code
 *       halfOpenPermits} trials run across JVMs. The call that finds the open time over waits for its claim at most
 *       the store timeout; other calls are rejected until the claim is decided. A claim is a lease: the record names
 *       its holder with a lease end (wall clock) two sync intervals ahead, and the holder's worker renews it on its
 *       passes (at least once per sync interval) while the trial runs. A holder that stops renewing (killed, or cut
 *       from the store) loses its permits once its lease ends: another node claims them at most {@code 3 x
 *       syncInterval} after the last renewal, whatever {@code maxWaitInHalfOpen} says, which still bounds the trial
 *       of a live node whose call hangs.
 *   <li>When the store fails or does not answer a bounded wait in time, breakers keep working on local state; one
 *       {@link CircuitBreakerListener#onStoreUnavailable} event and one WARNING log line report the outage, the store
 *       is tried again once per sync interval, and each breaker reconciles by compare-and-set when it answers (see
 *       {@link SharingPolicy} and the README for the conflict rules).
 * </ul>
 *
 * <p>A name maps to one breaker: asking again with an equal config returns the same instance, and asking with a
 * different config throws. With {@link Builder#maxBreakers} set, creating a breaker beyond the bound evicts the idlest
 * {@link CircuitState#CLOSED} breaker; a breaker in any other state is never evicted. A breaker that is removed or
 * evicted stops notifying the registry's listeners, so nothing of it stays reachable from the registry.
 *
 * <p>Thread-safe. Lookups of existing breakers take no lock; creation, removal and eviction are serialised. A registry
 * with a state store should be closed ({@link #close()}, or try-with-resources); once neither an unclosed registry nor
 * any of its breakers is reachable, its worker thread stops at the next sync interval, without a last flush.
 */
public final class Registry implements AutoCloseable {
    /** Default for {@link Builder#syncInterval}: one second. */
    public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(1);

    /** Default for {@link Builder#flushDelay}: 10 milliseconds. */
    public static final Duration DEFAULT_FLUSH_DELAY = Duration.ofMillis(10);

    /** Default for {@link Builder#storeTimeout}: 250 milliseconds. */
    public static final Duration DEFAULT_STORE_TIMEOUT = Duration.ofMillis(250);

    /** Default for {@link Builder#closeTimeout}: five seconds. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final TimeSource timeSource;
    private final RandomGenerator random;
    private final List<CircuitBreakerListener> listeners;
    private final int maxBreakers;
    private final CircuitBreakerConfig defaultConfig;
    private final StateStore stateStore;
    private final Duration syncInterval;
    private final SharingPolicy sharingPolicy;
    private final Duration closeTimeout;
    private final SyncWorker worker;
    private volatile boolean closed;

    private final ConcurrentHashMap<String, Entry> breakers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, RetryBudget> budgets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Retry> retries = new ConcurrentHashMap<>();
    /** Guarded by {@link #lock}, under which every member is created and removed, so each is announced once. */
    private final List<RegistryListener> registryListeners = new ArrayList<>();
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
        this.closeTimeout = builder.closeTimeout;
        this.worker = stateStore == null
                ? null
                : new SyncWorker(
                        stateStore,
                        sharingPolicy,
                        timeSource,
                        listeners,
                        builder.syncExecutor,
                        syncInterval.toNanos(),
                        builder.flushDelay.toNanos(),
                        builder.storeTimeout.toNanos());
        if (worker != null) {
            worker.start();
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
        checkOpen();
        if (worker != null) {
            int max = StateStore.MAX_KEY_LENGTH - BreakerRecord.KEY_PREFIX.length();
            checkArgument(
                    name.length() <= max,
                    "name must be at most %s characters with a state store, was %s",
                    max,
                    name.length());
            AbstractStateStore.checkKey(name, "name"); // a store key holds no NUL and no unpaired surrogate
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
        if (!existing.equals(config)) {
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
        // The breaker publishes to the registry's listeners through these events until it leaves the registry.
        BreakerEvents<CircuitBreakerListener> events = BreakerEvents.of(listeners, CircuitBreakerListener.class);
        BreakerLink sync = worker == null ? null : new BreakerLink(worker, name);
        CircuitBreaker breaker;
        BreakerEvents.bindNext(events); // the breaker constructed next publishes through them
        BreakerSync.bindNext(sync); // and persists through it
        try {
            breaker = CircuitBreaker.of(name, config, timeSource, List.of());
        } finally {
            BreakerEvents.takeBound();
            BreakerSync.takeBound();
        }
        if (sync != null) {
            worker.register(sync);
        }
        Entry entry = new Entry(breaker, events, sync);
        breakers.put(name, entry);
        announce("onCircuitBreakerAdded", name, listener -> listener.onCircuitBreakerAdded(breaker));
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
        removed(breakers.remove(idlest));
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
        checkOpen();
        if (worker != null) {
            int max = StateStore.MAX_KEY_LENGTH - BudgetLink.KEY_PREFIX.length();
            checkArgument(
                    name.length() <= max,
                    "name must be at most %s characters with a state store, was %s",
                    max,
                    name.length());
            AbstractStateStore.checkKey(name, "name");
        }
        RetryBudget budget = getOrCreate(
                budgets,
                name,
                () -> worker == null
                        ? RetryBudget.builder()
                                .retryRatio(template.retryRatio())
                                .minRetriesPerSecond(template.minRetriesPerSecond())
                                .maxTokens(template.maxTokens())
                                .timeSource(timeSource)
                                .build()
                        : sharedBudget(name, template),
                "onRetryBudgetAdded",
                (listener, created) -> listener.onRetryBudgetAdded(name, created));
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

    private RetryBudget sharedBudget(String name, RetryBudget template) {
        BudgetLink link = new BudgetLink(name, template);
        RetryBudget budget = (RetryBudget) SharedBudgets.create(template, timeSource, link.ledger);
        worker.register(link);
        return budget;
    }

    /**
     * Returns the retry with this name, creating it with {@code policy}, the registry's time source and its random
     * generator if it does not exist. The registry only keeps retries so that they can be found by name (a metrics
     * binding counts on it); a retry holds no resource, and there is no bound on how many the registry keeps.
     *
     * <pre>{@code
     * Retry retry = registry.retry("inventory", RetryPolicy.builder().maxAttempts(4).build());
     * }</pre>
     *
     * @param name the retry's name
     * @param policy the policy the retry must have
     * @return the retry
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if the retry exists with a different policy (the message names both), or the
     *     registry is closed
     */
    public Retry retry(String name, RetryPolicy policy) {
        checkName(name, "name");
        checkNotNull(policy, "policy");
        checkOpen();
        Retry retry = getOrCreate(
                retries,
                name,
                () -> Retry.of(name, policy, timeSource, random),
                "onRetryAdded",
                RegistryListener::onRetryAdded);
        RetryPolicy existing = retry.policy();
        if (!existing.equals(policy)) {
            throw new IllegalStateException(
                    "retry '" + name + "' already exists with policy " + existing + ", requested policy " + policy);
        }
        return retry;
    }

    /**
     * Returns the retry with this name if it exists, without creating it.
     *
     * @param name the retry's name
     * @return the retry, or empty
     * @throws NullPointerException if {@code name} is null
     */
    public Optional<Retry> findRetry(String name) {
        checkNotNull(name, "name");
        return Optional.ofNullable(retries.get(name));
    }

    /**
     * Returns the names of the retries in this registry, sorted.
     *
     * @return a new sorted, unmodifiable list
     */
    public List<String> retryNames() {
        return sorted(retries.keySet());
    }

    /**
     * Returns the retry budget with this name if it exists, without creating it.
     *
     * @param name the budget's name
     * @return the budget, or empty
     * @throws NullPointerException if {@code name} is null
     */
    public Optional<RetryBudget> findRetryBudget(String name) {
        checkNotNull(name, "name");
        return Optional.ofNullable(budgets.get(name));
    }

    /**
     * Returns the names of the retry budgets in this registry, sorted: those made by {@link #retryBudget}, not the
     * budgets built on their own and set on a policy.
     *
     * @return a new sorted, unmodifiable list
     */
    public List<String> retryBudgetNames() {
        return sorted(budgets.keySet());
    }

    /**
     * Adds a listener that learns of the registry's breakers, retries and retry budgets: first every one the registry
     * holds now, on this thread, then each one created or removed later, until {@link #unsubscribe}. Works on a closed
     * registry too, which creates nothing more.
     *
     * @param listener the listener
     * @throws NullPointerException if {@code listener} is null
     */
    public void subscribe(RegistryListener listener) {
        checkNotNull(listener, "listener");
        synchronized (lock) {
            registryListeners.add(listener);
            for (String name : sorted(breakers.keySet())) {
                CircuitBreaker breaker = breakers.get(name).breaker;
                deliver(listener, "onCircuitBreakerAdded", name, l -> l.onCircuitBreakerAdded(breaker));
            }
            for (String name : sorted(retries.keySet())) {
                Retry retry = retries.get(name);
                deliver(listener, "onRetryAdded", name, l -> l.onRetryAdded(retry));
            }
            for (String name : sorted(budgets.keySet())) {
                RetryBudget budget = budgets.get(name);
                deliver(listener, "onRetryBudgetAdded", name, l -> l.onRetryBudgetAdded(name, budget));
            }
        }
    }

    /**
     * Removes a listener added by {@link #subscribe}; it is called no more once this returns.
     *
     * @param listener the listener
     * @return true if it was subscribed
     * @throws NullPointerException if {@code listener} is null
     */
    public boolean unsubscribe(RegistryListener listener) {
        checkNotNull(listener, "listener");
        synchronized (lock) {
            return registryListeners.remove(listener);
        }
    }

    /**
     * The member with this name, created under the lock and announced to the registry listeners if absent, so each
     * member is created once and announced once, in order.
     */
    private <T> T getOrCreate(
            Map<String, T> members,
            String name,
            Supplier<T> create,
            String event,
            BiConsumer<RegistryListener, T> added) {
        T member = members.get(name);
        if (member != null) {
            return member;
        }
        synchronized (lock) {
            member = members.get(name);
            if (member == null) {
                T created = create.get();
                members.put(name, created);
                announce(event, name, listener -> added.accept(listener, created));
                member = created;
            }
            return member;
        }
    }

    /** Tells every registry listener of a change; called with the lock held. */
    private void announce(String event, String source, Consumer<RegistryListener> call) {
        for (RegistryListener listener : registryListeners) {
            deliver(listener, event, source, call);
        }
    }

    private static void deliver(
            RegistryListener listener, String event, String source, Consumer<RegistryListener> call) {
        try {
            call.accept(listener);
        } catch (Throwable thrown) {
            Listeners.listenerFailed(event, source, thrown);
        }
    }

    private static List<String> sorted(Set<String> keys) {
        List<String> names = new ArrayList<>(keys);
        names.sort(null);
        return List.copyOf(names);
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
        return sorted(breakers.keySet());
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
        synchronized (lock) {
            return removed(breakers.remove(name));
        }
    }

    /** Detaches a breaker that left the map and announces it; called with the lock held. */
    private boolean removed(Entry entry) {
        if (entry == null) {
            return false;
        }
        entry.events.detach();
        if (entry.sync != null) {
            worker.unregister(entry.sync); // what it queued is still written
        }
        CircuitBreaker breaker = entry.breaker;
        announce("onCircuitBreakerRemoved", breaker.name(), listener -> listener.onCircuitBreakerRemoved(breaker));
        return true;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("registry is closed");
        }
    }

    /**
     * Closes the registry: writes the breaker and budget changes still queued, waiting at most {@link
     * Builder#closeTimeout}, then stops the sync worker (shutting its thread down, or cancelling its tasks on a {@link
     * Builder#syncExecutor}, which stays the caller's). Breakers already handed out keep working on local state; the
     * registry creates no more. Closing twice does nothing; without a state store it only marks the registry closed.
     * Does not close the store.
     */
    @Override
    public void close() {
        closed = true;
        if (worker != null) {
            worker.close(closeTimeout.toNanos());
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
     * Returns how often the sync worker re-reads every record to adopt other JVMs' changes.
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
        final BreakerEvents<CircuitBreakerListener> events;
        final BreakerLink sync;
        volatile long lastLookup;
        // Read and written only under the registry lock, during eviction scans.
        long activity;
        long lastActive;

        Entry(CircuitBreaker breaker, BreakerEvents<CircuitBreakerListener> events, BreakerLink sync) {
            this.breaker = breaker;
            this.events = events;
            this.sync = sync;
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
        private Duration flushDelay = DEFAULT_FLUSH_DELAY;
        private Duration storeTimeout = DEFAULT_STORE_TIMEOUT;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

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
         * Sets how often the sync worker re-reads every breaker and budget record of the registry (one batched read
         * per 1,000 records) to adopt other JVMs' transitions; without a store that pushes changes, another JVM's OPEN
         * is adopted within about this interval. It is also how often the store is retried during an outage, and how
         * often shared retry budgets flush. Default {@link #DEFAULT_SYNC_INTERVAL}, one second.
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
         * Sets the shortest time between two flushes of queued breaker writes. A write queued when the last flush began
         * longer ago goes out at once; one queued sooner waits for the rest of the delay, and what its breaker queues
         * meanwhile costs the same one write. A crash loses at most the writes of the last flush delay. Default {@link
         * #DEFAULT_FLUSH_DELAY}, 10 milliseconds.
         *
         * @param delay the delay, zero or positive
         * @return this builder
         * @throws NullPointerException if {@code delay} is null
         * @throws IllegalArgumentException if {@code delay} is negative
         */
        public Builder flushDelay(Duration delay) {
            checkNotNull(delay, "flushDelay");
            checkArgument(!delay.isNegative(), "flushDelay must be >= 0, was %s", delay);
            this.flushDelay = delay;
            return this;
        }

        /**
         * Sets the longest a caller waits for the store, in the only two cases where one does: creating a breaker
         * (which reads its stored state) and the call that finds a breaker's open time over (which waits for the
         * trial claim). When the store has not answered by then, the caller decides locally, as during an outage, and
         * the outage is reported once. A cold JVM's first store call (driver loading, a first connection) can take
         * longer than a warm one: a short process that must start from the stored state, such as a script run, should
         * allow a second or two. Default {@link #DEFAULT_STORE_TIMEOUT}, 250 milliseconds.
         *
         * @param timeout the timeout, positive
         * @return this builder
         * @throws NullPointerException if {@code timeout} is null
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         */
        public Builder storeTimeout(Duration timeout) {
            this.storeTimeout = checkPositive(timeout, "storeTimeout");
            return this;
        }

        /**
         * Sets the longest {@link Registry#close()} waits for the queued writes to reach the store. Default {@link
         * #DEFAULT_CLOSE_TIMEOUT}, five seconds.
         *
         * @param timeout the timeout, positive
         * @return this builder
         * @throws NullPointerException if {@code timeout} is null
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = checkPositive(timeout, "closeTimeout");
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
         * Sets the scheduler the sync worker runs on, instead of the daemon thread the registry starts for itself.
         * The registry schedules its flushes, refreshes and trial claims on it and cancels them on {@link
         * Registry#close()}, which leaves the executor running. Default: none, the registry owns one daemon thread.
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
