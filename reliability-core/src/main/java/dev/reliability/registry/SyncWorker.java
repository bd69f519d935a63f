package dev.reliability.registry;

import dev.reliability.TimeSource;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.internal.BreakerEvents;
import dev.reliability.state.StateStore;
import dev.reliability.state.StateStoreException;
import dev.reliability.state.VersionedValue;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A registry's sync worker: the only code that talks to the state store for its breakers and shared budgets, on one
 * scheduler (a daemon thread it owns, or the user's {@code syncExecutor}).
 *
 * <ul>
 *   <li><b>Writes</b> are queued per breaker ({@link #enqueue}) and written together one flush delay after the first,
 *       with one batched read for the whole batch and one compare-and-set per breaker.
 *   <li><b>Refresh</b>: once per sync interval, every breaker and budget record is read with {@link
 *       StateStore#getAllVersioned}, {@value #CHUNK} keys per call; a breaker whose record did not change and that has
 *       nothing to write costs nothing more. Where the store can push changes ({@link StateStore#watch}), a changed
 *       key is refreshed at once and a missed notification refreshes everything.
 *   <li><b>Outages</b>: the first failure (or a bounded wait that ends unanswered) starts an outage: one WARNING log line
 *       and one {@link CircuitBreakerListener#onStoreUnavailable} event. During it, flushes and waits are skipped; the
 *       refresh once per sync interval is the retry, and the first store call that succeeds ends the outage.
 * </ul>
 */
final class SyncWorker implements StateStore.ChangeListener {
    private static final Logger LOGGER = System.getLogger("dev.reliability");

    /**
     * Keys per batched read, so one failing call costs at most this many records' refresh. A store splits a call further
     * where its statements need it (the JDBC store reads 512 keys per statement).
     */
    static final int CHUNK = 1000;

    /** The prefix every key the worker reads or watches starts with. */
    static final String KEY_PREFIX = "reliability:";

    /** Marks the threads running worker tasks, so a bounded wait asked for on one runs inline instead of waiting. */
    private static final ThreadLocal<Boolean> ON_WORKER = new ThreadLocal<>();

    /** Thrown inside a worker pass when the store fails; never escapes the worker. */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private Unavailable() {
            super("state store unavailable", null, false, false);
        }
    }

    @SuppressWarnings("StaticAssignmentOfThrowable") // stackless and never escapes the worker: a signal, not a report
    private static final Unavailable UNAVAILABLE = new Unavailable();

    /** A record read from the store: its version (0 if absent) and the record (null if absent or malformed). */
    record Read(long version, BreakerRecord record) {
        static Read of(VersionedValue v) {
            return v == null
                    ? new Read(0L, null)
                    : new Read(v.version(), BreakerRecord.decode(v.value()).orElse(null));
        }
    }

    final StateStore store;
    final TimeSource time;
    final String node;
    final long syncNanos;
    private final int quorum;
    private final long flushNanos;
    private final long timeoutNanos;
    /** The registry's listeners, told of each outage. */
    private final BreakerEvents<CircuitBreakerListener> events;

    private final ScheduledExecutorService executor;
    private final boolean ownsExecutor;

    private final ConcurrentHashMap<String, BreakerLink> links = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, BudgetLink> budgets = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<BreakerLink> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    /** When the last flush began, on the monotonic clock: the next one runs at once if a flush delay has passed. */
    private volatile long lastFlushNanos;

    private final Set<String> changed = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean changeScheduled = new AtomicBoolean();
    private final AtomicBoolean down = new AtomicBoolean();
    /** When the current outage began, on the monotonic clock. */
    private volatile long downSinceNanos;

    private volatile Future<?> tick;
    private volatile StateStore.Watch watch;
    private final AtomicBoolean watchStarted = new AtomicBoolean();
    private volatile boolean closed;

    SyncWorker(
            StateStore store,
            SharingPolicy policy,
            TimeSource time,
            List<CircuitBreakerListener> listeners,
            ScheduledExecutorService userExecutor,
            long syncNanos,
            long flushNanos,
            long timeoutNanos) {
        this.store = store;
        this.quorum = policy.quorum();
        this.time = time;
        this.events = BreakerEvents.of(listeners, CircuitBreakerListener.class);
        this.syncNanos = syncNanos;
        this.flushNanos = flushNanos;
        this.timeoutNanos = timeoutNanos;
        this.lastFlushNanos = time.nanoTime() - flushNanos;
        this.ownsExecutor = userExecutor == null;
        this.executor = userExecutor != null
                ? userExecutor
                : Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "reliability-sync");
                    t.setDaemon(true); // a registry nobody closes must not keep the JVM alive
                    return t;
                });
        // Unique per registry: a restarted JVM is a new node, and so is a second registry in one JVM.
        this.node = "pid" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    }

    /**
     * Starts the refresh; the watch follows the first breaker or budget ({@link #startWatch()}). Both hold the worker
     * weakly: it stays alive while its registry or any of its breakers is reachable, and once none is, the refresh
     * stops the owned thread.
     */
    void start() {
        WeakReference<SyncWorker> self = new WeakReference<>(this);
        ScheduledExecutorService owned = ownsExecutor ? executor : null;
        tick = executor.scheduleAtFixedRate(
                new Runnable() {
                    @Override
                    public void run() {
                        SyncWorker worker = self.get();
                        if (worker != null) {
                            task(worker::refreshAll).run();
                        } else if (owned != null) {
                            owned.shutdownNow();
                        } else {
                            throw new CancellationException("registry collected"); // cancels this periodic task
                        }
                    }
                },
                syncNanos,
                syncNanos,
                TimeUnit.NANOSECONDS);
    }

    /**
     * Starts the watch when the first breaker or budget registers: it serves only them, and on PostgreSQL it holds a
     * connection of its own and wakes for every write to the values table, so a registry that never gets one (a CLI
     * run that only uses the state module) must not pay for it.
     */
    private void startWatch() {
        if (!watchStarted.compareAndSet(false, true)) {
            return;
        }
        WeakReference<SyncWorker> self = new WeakReference<>(this);
        submit(() -> {
            if (closed) {
                return;
            }
            try {
                watch = store.watch(KEY_PREFIX, new WeakListener(self)).orElse(null);
            } catch (RuntimeException noPush) {
                // polling at the sync interval covers everything a watch would
            }
        });
    }

    /** Forwards pushed changes to a worker as long as it is reachable. */
    private static final class WeakListener implements StateStore.ChangeListener {
        private final WeakReference<SyncWorker> worker;

        WeakListener(WeakReference<SyncWorker> worker) {
            this.worker = worker;
        }

        @Override
        public void changed(String key) {
            SyncWorker w = worker.get();
            if (w != null) {
                w.changed(key);
            }
        }

        @Override
        public void missed() {
            SyncWorker w = worker.get();
            if (w != null) {
                w.missed();
            }
        }
    }

    int quorum() {
        return quorum;
    }

    long wallMillis() {
        return time.millis();
    }

    /** A trial claim's lease: two sync intervals, renewed once per interval by the holder's refresh. */
    long leaseMillis() {
        return 2 * Math.max(1L, syncNanos / 1_000_000L);
    }

    boolean isDown() {
        return down.get() || closed;
    }

    /**
     * Whether half-open trials are decided locally: the registry is closed, or the store has been failing long enough.
     * A loss shorter than a trial lease ({@link #leaseMillis}) may be this node's alone (its connections cut, a slow
     * answer) while the others still claim trials in the store, so no trial runs here until then. After that, only the
     * node that wrote the last record this one saw ({@code lastWriter}) decides trials: every node that saw the same
     * record agrees on it without talking, so an outage all nodes share (a storm of cut connections) still runs one
     * trial per open period. The others wait {@code othersWaitNanos} ({@code maxWaitInHalfOpen}: as long as a trial
     * may hold the permit) in case that node is gone too, then decide for themselves.
     */
    boolean decidesTrialsLocally(boolean lastWriter, long othersWaitNanos) {
        if (closed) {
            return true;
        }
        long lease = leaseMillis() * 1_000_000L;
        return down.get()
                && time.nanoTime() - downSinceNanos >= (lastWriter ? lease : Math.max(lease, othersWaitNanos));
    }

    void register(BreakerLink link) {
        links.put(link.key, link);
        startWatch();
    }

    void unregister(BreakerLink link) {
        links.remove(link.key, link);
    }

    /** Adds a shared budget and adopts (or creates) its record as soon as the worker can. */
    @SuppressWarnings("NullOptional") // null asks the link to read for itself; empty would mean "read: absent"
    void register(BudgetLink budget) {
        budgets.put(budget.key, budget);
        startWatch();
        submit(() -> budget.sync(this, null));
    }

    // ---------------------------------------------------------------- called by breakers' callers

    /**
     * Queues a breaker's writes and schedules a flush: at once if none began within the last flush delay, otherwise one
     * flush delay after the last one began. Writes are throttled, not delayed: a failure count leaves at once (every
     * millisecond it waits lets other nodes call a failing backend), and a burst costs at most one flush per flush
     * delay. Never blocks.
     */
    void enqueue(BreakerLink link) {
        if (!link.queued.compareAndSet(false, true)) {
            return;
        }
        queue.add(link);
        if (!closed && !down.get() && flushScheduled.compareAndSet(false, true)) {
            long wait = flushNanos == 0L ? 0L : Math.max(0L, lastFlushNanos + flushNanos - time.nanoTime());
            try {
                var unused = executor.schedule(task(this::flush), wait, TimeUnit.NANOSECONDS); // task() logs failures
            } catch (RejectedExecutionException stopped) {
                flushScheduled.set(false); // the executor was shut down: what is queued stays local
            }
        }
    }

    /**
     * Runs {@code task} on the worker and waits for its answer at most the store timeout: the two bounded waits of the
     * design, a breaker's stored state at creation and a trial claim. Returns null, at once, when the store is down or
     * the registry closed, and after the timeout, which starts an outage.
     */
    Boolean await(String breaker, Callable<Boolean> task) {
        if (isDown()) {
            return null;
        }
        if (ON_WORKER.get() != null) {
            try {
                return task.call(); // a listener on the worker asked: waiting for ourselves would only time out
            } catch (Exception failed) {
                return null;
            }
        }
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        try {
            executor.execute(task(() -> {
                try {
                    answer.complete(task.call());
                } catch (Exception failed) {
                    answer.complete(null);
                }
            }));
        } catch (RejectedExecutionException stopped) {
            closed = true; // the user's executor is gone: nothing reaches the store any more
            return null;
        }
        try {
            return answer.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException slow) {
            failed(
                    breaker,
                    new StateStoreException(StateStoreException.Kind.TIMEOUT, "sync", store.toString(), null, null));
            return null;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException unexpected) {
            return null;
        }
    }

    // ---------------------------------------------------------------- store calls, on the worker

    Read read(String breaker, String key) {
        return Read.of(call(breaker, () -> store.getVersioned(key)).orElse(null));
    }

    boolean cas(String breaker, String key, long expectedVersion, BreakerRecord next) {
        return call(breaker, () -> store.compareAndSetVersion(key, expectedVersion, next.encode()));
    }

    Optional<VersionedValue> readValue(String name, String key) {
        return call(name, () -> store.getVersioned(key));
    }

    boolean casValue(String name, String key, long expectedVersion, dev.reliability.state.StateValue value) {
        return call(name, () -> store.compareAndSetVersion(key, expectedVersion, value));
    }

    private Map<String, VersionedValue> readAll(String first, Collection<String> keys) {
        return call(first, () -> store.getAllVersioned(keys));
    }

    /** Runs a store operation; a failure starts an outage (if none is going on) and throws {@link #UNAVAILABLE}. */
    private <T> T call(String name, Supplier<T> operation) {
        T result;
        try {
            result = operation.get();
        } catch (RuntimeException failure) {
            failed(name, failure);
            throw UNAVAILABLE;
        }
        down.set(false);
        return result;
    }

    private void failed(String breaker, RuntimeException failure) {
        if (!down.compareAndSet(false, true)) {
            return;
        }
        downSinceNanos = time.nanoTime();
        LOGGER.log(
                Level.WARNING,
                "state store failed for circuit breaker '" + breaker
                        + "'; breakers keep working on local state and reconcile when the store answers again",
                failure);
        events.publish(StoreEvent.UNAVAILABLE, breaker, failure, 0L);
    }

    /** The one event the worker publishes itself: the breakers publish the rest. */
    private enum StoreEvent implements BreakerEvents.Kind<CircuitBreakerListener> {
        UNAVAILABLE;

        @Override
        public String method() {
            return "onStoreUnavailable";
        }

        @Override
        public void deliver(CircuitBreakerListener listener, String breaker, Object cause, long unused) {
            listener.onStoreUnavailable(breaker, (RuntimeException) cause);
        }
    }

    // ---------------------------------------------------------------- worker passes

    /**
     * Writes what breakers queued; during an outage, leaves it to the next refresh. Where the store pushes changes, a
     * breaker's last read record is current unless a notification is on its way, so the write goes out on it without
     * a read first; a lost compare-and-set reads the record again ({@link BreakerLink#sync}).
     */
    private void flush() {
        flushScheduled.set(false);
        lastFlushNanos = time.nanoTime();
        if (down.get()) {
            return;
        }
        List<BreakerLink> batch = drain();
        syncAll(watch != null ? syncOnLastRead(batch) : batch);
    }

    /** Syncs each breaker of {@code batch} on its last read record; returns those that have none, to be read. */
    private List<BreakerLink> syncOnLastRead(List<BreakerLink> batch) {
        List<BreakerLink> unread = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            BreakerLink link = batch.get(i);
            Read last = link.lastRead();
            if (last == null) {
                unread.add(link);
                continue;
            }
            try {
                link.sync(last);
            } catch (Unavailable down) {
                unread.addAll(batch.subList(i, batch.size()));
                requeue(unread);
                throw down;
            }
        }
        return unread;
    }

    /** Once per sync interval: every breaker and budget, with one batched read per {@value #CHUNK} keys. */
    private void refreshAll() {
        drain(); // every link is in the pass below
        syncAll(new ArrayList<>(links.values()));
        syncBudgets();
    }

    private List<BreakerLink> drain() {
        List<BreakerLink> batch = new ArrayList<>();
        for (BreakerLink link; (link = queue.poll()) != null; ) {
            link.queued.set(false);
            batch.add(link);
        }
        return batch;
    }

    /** Syncs breakers chunk by chunk; the first failure ends the pass and requeues what was not done. */
    private void syncAll(List<BreakerLink> batch) {
        int done = inChunks(batch, l -> l.key, l -> l.name, (l, v) -> l.sync(Read.of(v)));
        if (done < batch.size()) {
            requeue(batch.subList(done, batch.size()));
        }
    }

    private void requeue(List<BreakerLink> rest) {
        for (BreakerLink link : rest) {
            if (link.markDirtyIfPending() && link.queued.compareAndSet(false, true)) {
                queue.add(link);
            }
        }
    }

    private void syncBudgets() {
        inChunks(
                new ArrayList<>(budgets.values()),
                b -> b.key,
                b -> b.name,
                (b, v) -> b.sync(this, Optional.ofNullable(v)));
    }

    /**
     * Reads the records of {@code items} with one batched read per {@value #CHUNK} keys and hands each item its value
     * (null when absent). Returns how many items were handled: fewer than all when the store failed.
     */
    private <T> int inChunks(
            List<T> items, Function<T, String> keyOf, Function<T, String> nameOf, BiConsumer<T, VersionedValue> then) {
        for (int from = 0; from < items.size(); from += CHUNK) {
            List<T> chunk = items.subList(from, Math.min(items.size(), from + CHUNK));
            List<String> keys = new ArrayList<>(chunk.size());
            for (T item : chunk) {
                keys.add(keyOf.apply(item));
            }
            try {
                Map<String, VersionedValue> values = readAll(nameOf.apply(chunk.get(0)), keys);
                for (T item : chunk) {
                    then.accept(item, values.get(keyOf.apply(item)));
                }
            } catch (Unavailable down) {
                return from;
            }
        }
        return items.size();
    }

    // ---------------------------------------------------------------- pushed changes

    @Override
    public void changed(String key) {
        if (!links.containsKey(key) || !changed.add(key) || !changeScheduled.compareAndSet(false, true)) {
            return;
        }
        submit(() -> {
            changeScheduled.set(false);
            List<BreakerLink> batch = new ArrayList<>();
            for (Iterator<String> it = changed.iterator(); it.hasNext(); ) {
                BreakerLink link = links.get(it.next());
                it.remove();
                if (link != null) {
                    batch.add(link);
                }
            }
            syncAll(batch);
        });
    }

    @Override
    public void missed() {
        submit(this::refreshAll);
    }

    // ---------------------------------------------------------------- lifetime

    /**
     * Stops the refresh and the watch, then writes what is queued, waiting at most {@code timeoutNanos}; shuts the
     * executor down if the worker owns it.
     */
    void close(long timeoutNanos) {
        if (closed) {
            return;
        }
        closed = true;
        Future<?> t = tick;
        if (t != null) {
            t.cancel(false);
        }
        StateStore.Watch w = watch;
        if (w != null) {
            try {
                w.close();
            } catch (RuntimeException ignored) {
                // the store's own problem; nothing more to watch either way
            }
        }
        try {
            Future<?> last = executor.submit(task(() -> {
                List<BreakerLink> batch = drain();
                for (BreakerLink link : links.values()) {
                    if (link.dirty() && !batch.contains(link)) {
                        batch.add(link);
                    }
                }
                syncAll(batch);
                syncBudgets();
            }));
            last.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException | RejectedExecutionException notFlushed) {
            LOGGER.log(Level.WARNING, "registry closed before its state store took every pending breaker write");
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } finally {
            if (ownsExecutor) {
                executor.shutdownNow();
            }
        }
    }

    private void submit(Runnable work) {
        try {
            executor.execute(task(work));
        } catch (RejectedExecutionException stopped) {
            // closed: nothing more reaches the store
        }
    }

    /** Wraps worker work: marks the thread, and never lets an exception cancel a periodic task. */
    private static Runnable task(Runnable work) {
        return () -> {
            Boolean outer = ON_WORKER.get();
            ON_WORKER.set(Boolean.TRUE);
            try {
                work.run();
            } catch (Unavailable down) {
                // reported once per outage; the work stays queued
            } catch (RuntimeException | Error unexpected) {
                LOGGER.log(Level.WARNING, "state store sync failed", unexpected);
            } finally {
                if (outer == null) {
                    ON_WORKER.remove();
                }
            }
        };
    }
}
