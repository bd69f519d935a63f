package dev.reliability.state.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.reliability.TimeSource;
import dev.reliability.state.AbstractStateStore;
import dev.reliability.state.StateStore;
import dev.reliability.state.StateValue;
import dev.reliability.state.VersionedValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A {@link StateStore} held in memory, on Caffeine. Every read-modify-write operation runs inside one {@code
 * ConcurrentMap.compute} call, so it is atomic; each entry carries its own expiry, and Caffeine's ticker reads the
 * store's {@link TimeSource#nanoTime()}, so TTLs follow a {@code ManualTimeSource} in tests. Caffeine judges expiry:
 * an expired entry is absent to every read and {@code compute}, with no clock read of the store's own.
 *
 * <pre>{@code
 * StateStore store = MemoryStateStore.builder().maximumSize(100_000).build();
 * store.set("greeting", StateValue.of("hello"), Duration.ofMinutes(5));
 * long hits = store.increment("hits", 1);
 * }</pre>
 *
 * <p>Thread-safe. TTLs are measured on the monotonic clock ({@link TimeSource#nanoTime()}), so a wall-clock step does
 * not expire or revive anything.
 */
public final class MemoryStateStore extends AbstractStateStore {

    /**
     * A value with its version, which never expires. Most counters and records never expire, so the common entry carries
     * no expiry field.
     */
    private static class Entry {
        final StateValue value;
        final long version;

        Entry(StateValue value, long version) {
            this.value = value;
            this.version = version;
        }
    }

    /** An entry that expires at {@code expiresAt}, a {@code nanoTime} reading. */
    private static final class Expiring extends Entry {
        final long expiresAt;

        Expiring(StateValue value, long version, long expiresAt) {
            super(value, version);
            this.expiresAt = expiresAt;
        }
    }

    private record Lock(String owner, long expiresAt) {}

    private final TimeSource timeSource;
    private final Cache<String, Entry> entries;
    private final Cache<String, Lock> locks;
    private final ConcurrentMap<String, Entry> map;
    private volatile boolean closed;

    private MemoryStateStore(Builder builder) {
        super("memory", builder.maxValueBytes);
        this.timeSource = builder.timeSource;
        Caffeine<Object, Object> caffeine = Caffeine.newBuilder()
                .ticker(timeSource::nanoTime)
                // Maintenance on the caller's thread: no background thread, and expiry stays deterministic in tests.
                .executor(Runnable::run);
        if (builder.maximumSize >= 0) {
            caffeine.maximumSize(builder.maximumSize);
        }
        this.entries = caffeine.expireAfter(new EntryExpiry()).build();
        this.locks = Caffeine.newBuilder()
                .ticker(timeSource::nanoTime)
                .executor(Runnable::run)
                .expireAfter(new LockExpiry())
                .build();
        this.map = entries.asMap();
    }

    /**
     * Returns a new builder with the defaults: system time, no maximum size, values up to {@value
     * StateStore#DEFAULT_MAX_VALUE_BYTES} bytes.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a store with the defaults of {@link #builder()}.
     *
     * @return a new store
     */
    public static MemoryStateStore ofDefaults() {
        return builder().build();
    }

    /**
     * Builds a {@link MemoryStateStore}. Not thread-safe; {@link #build()} may be called more than once, and each
     * store is independent.
     */
    public static final class Builder {
        private TimeSource timeSource = TimeSource.system();
        private long maximumSize = -1;
        private long maxValueBytes = DEFAULT_MAX_VALUE_BYTES;

        private Builder() {}

        /**
         * Sets the time source whose {@link TimeSource#nanoTime()} measures TTLs. Default: {@link
         * TimeSource#system()}.
         *
         * @param timeSource the time source
         * @return this builder
         * @throws NullPointerException if {@code timeSource} is null
         */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            return this;
        }

        /**
         * Bounds the number of keys; beyond it Caffeine evicts the entries least likely to be used again. Default: no
         * bound. Locks are not counted.
         *
         * @param maximumSize the most keys to keep, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code maximumSize} is less than 1
         */
        public Builder maximumSize(long maximumSize) {
            if (maximumSize < 1) {
                throw new IllegalArgumentException("maximumSize must be >= 1, was " + maximumSize);
            }
            this.maximumSize = maximumSize;
            return this;
        }

        /**
         * Sets the largest value accepted, in bytes as {@link StateValue#encodedSize()} counts them. Default: {@value
         * StateStore#DEFAULT_MAX_VALUE_BYTES} (1 MiB).
         *
         * @param maxValueBytes the limit, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code maxValueBytes} is less than 1
         */
        public Builder maxValueBytes(long maxValueBytes) {
            if (maxValueBytes < 1) {
                throw new IllegalArgumentException("maxValueBytes must be >= 1, was " + maxValueBytes);
            }
            this.maxValueBytes = maxValueBytes;
            return this;
        }

        /**
         * Builds a new, empty store.
         *
         * @return the store
         */
        public MemoryStateStore build() {
            return new MemoryStateStore(this);
        }
    }

    // ------------------------------------------------------------------ accessors

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
    }

    private static long nanos(long millis) {
        return millis * 1_000_000L;
    }

    @Override
    protected <R> R update(String key, String operation, Function<StateValue, Change<R>> change) {
        checkOpen();
        Step<R> step = new Step<>(change);
        map.compute(key, step);
        return step.result;
    }

    /**
     * One {@link #update} inside {@code compute}, and its result: one object for both, where a lambda would need a
     * second one to carry the result out.
     */
    private static final class Step<R> implements BiFunction<String, Entry, Entry> {
        private final Function<StateValue, Change<R>> change;
        R result;

        Step(Function<StateValue, Change<R>> change) {
            this.change = change;
        }

        /** {@code stored} is live: Caffeine hands an expired entry to {@code compute} as null. */
        @Override
        public Entry apply(String key, Entry stored) {
            Change<R> c = change.apply(stored == null ? null : stored.value);
            result = c.result();
            StateValue value = c.value();
            if (value == null) {
                return stored;
            }
            long version = stored == null ? 1 : stored.version + 1;
            return c.keepsTtl() && stored instanceof Expiring e
                    ? new Expiring(value, version, e.expiresAt)
                    : new Entry(value, version);
        }
    }

    /**
     * The common increment, a long counter, in one {@code compute} with one function object and no {@link Change}; any
     * other value (a numeric string, a wrong type) or an overflow is left as it is here and goes through the base's
     * rules.
     */
    @Override
    protected long add(String key, long delta) {
        checkOpen();
        Adder adder = new Adder(delta);
        map.compute(key, adder);
        return adder.applied ? adder.sum : super.add(key, delta);
    }

    /** {@link #add}'s function: adds to an absent or {@code LONG} entry, keeping its TTL; leaves anything else. */
    private static final class Adder implements BiFunction<String, Entry, Entry> {
        private final long delta;
        long sum;
        boolean applied;

        Adder(long delta) {
            this.delta = delta;
        }

        /** {@code stored} is live: Caffeine hands an expired entry to {@code compute} as null. */
        @Override
        public Entry apply(String key, Entry stored) {
            if (stored == null) {
                sum = delta;
                applied = true;
                return new Entry(StateValue.of(delta), 1);
            }
            if (stored.value.type() != StateValue.Type.LONG) {
                return stored; // not written: the base applies its rules to a numeric string or a wrong type
            }
            long base = stored.value.asLong();
            long result = base + delta;
            if (((base ^ result) & (delta ^ result)) < 0) {
                return stored; // an overflow: not written, and the base reports it as every store does
            }
            sum = result;
            applied = true;
            StateValue value = StateValue.of(sum);
            return stored instanceof Expiring e
                    ? new Expiring(value, stored.version + 1, e.expiresAt)
                    : new Entry(value, stored.version + 1);
        }
    }

    @Override
    protected void write(String key, StateValue value, long ttlMillis) {
        checkOpen();
        long expiresAt = ttlMillis == 0 ? 0 : timeSource.nanoTime() + nanos(ttlMillis);
        map.compute(key, (k, stored) -> {
            long version = stored == null ? 1 : stored.version + 1;
            return ttlMillis == 0 ? new Entry(value, version) : new Expiring(value, version, expiresAt);
        });
    }

    @Override
    protected boolean remove(String key) {
        checkOpen();
        boolean[] removed = new boolean[1];
        map.computeIfPresent(key, (k, stored) -> {
            removed[0] = true; // live: Caffeine does not pass an expired entry here
            return null;
        });
        return removed[0];
    }

    @Override
    protected boolean expire(String key, long ttlMillis) {
        checkOpen();
        long expiresAt = timeSource.nanoTime() + nanos(ttlMillis);
        return map.computeIfPresent(key, (k, e) -> new Expiring(e.value, e.version + 1, expiresAt)) != null;
    }

    @Override
    protected Optional<VersionedValue> read(String key, String operation) {
        checkOpen();
        Entry e = map.get(key); // null if expired
        return e == null ? Optional.empty() : Optional.of(new VersionedValue(e.value, e.version));
    }

    @Override
    protected List<String> liveKeys(Predicate<String> matcher, String prefix) {
        checkOpen();
        long now = timeSource.nanoTime();
        List<String> result = new ArrayList<>();
        map.forEach((key, e) -> {
            if (isLive(e, now) && key.startsWith(prefix) && matcher.test(key)) {
                result.add(key);
            }
        });
        result.sort(null);
        return result;
    }

    /** Whether an entry that a scan found is live: a scan may meet entries that expired but are not yet evicted. */
    private static boolean isLive(Entry e, long now) {
        return !(e instanceof Expiring x) || x.expiresAt - now > 0;
    }

    @Override
    protected Optional<Duration> remainingTtl(String key) {
        checkOpen();
        Entry e = map.get(key);
        if (!(e instanceof Expiring x)) {
            return Optional.empty();
        }
        long remaining = x.expiresAt - timeSource.nanoTime();
        if (remaining <= 0) {
            return Optional.empty(); // expired since the read
        }
        // Rounded up to whole milliseconds, the resolution every store reports.
        return Optional.of(Duration.ofMillis((remaining + 999_999) / 1_000_000));
    }

    @Override
    protected boolean writeIfVersion(String key, long expectedVersion, StateValue value) {
        checkOpen();
        boolean[] written = new boolean[1];
        map.compute(key, (k, stored) -> {
            if ((stored == null ? 0 : stored.version) != expectedVersion) {
                return stored;
            }
            written[0] = true;
            return new Entry(value, expectedVersion + 1);
        });
        return written[0];
    }

    @Override
    protected boolean lockAcquire(String name, String owner, long ttlMillis) {
        checkOpen();
        long now = timeSource.nanoTime();
        boolean[] acquired = new boolean[1];
        locks.asMap().compute(name, (k, held) -> {
            if (held != null && held.expiresAt - now > 0) {
                return held; // not re-entrant: the holder itself is refused too
            }
            acquired[0] = true;
            return new Lock(owner, now + nanos(ttlMillis));
        });
        return acquired[0];
    }

    @Override
    protected boolean lockExtend(String name, String owner, long ttlMillis) {
        checkOpen();
        long now = timeSource.nanoTime();
        boolean[] extended = new boolean[1];
        locks.asMap().computeIfPresent(name, (k, held) -> {
            if (held.expiresAt - now <= 0 || !held.owner.equals(owner)) {
                return held;
            }
            extended[0] = true;
            return new Lock(owner, now + nanos(ttlMillis));
        });
        return extended[0];
    }

    @Override
    protected boolean lockRelease(String name, String owner) {
        checkOpen();
        long now = timeSource.nanoTime();
        boolean[] released = new boolean[1];
        locks.asMap().computeIfPresent(name, (k, held) -> {
            if (held.expiresAt - now <= 0) {
                return null;
            }
            if (!held.owner.equals(owner)) {
                return held;
            }
            released[0] = true;
            return null;
        });
        return released[0];
    }

    /** Drops every key and lock; later operations throw {@link IllegalStateException}. */
    @Override
    public void close() {
        closed = true;
        entries.invalidateAll();
        locks.invalidateAll();
    }

    @Override
    public String toString() {
        return "MemoryStateStore[keys=" + entries.estimatedSize() + ", maxValueBytes=" + maxValueBytes() + "]";
    }

    /**
     * Expiry of an entry at its own {@code expiresAt}, on the same ticker as the store, so that Caffeine's judgement is
     * the store's.
     */
    private static final class EntryExpiry implements Expiry<String, Entry> {
        @Override
        public long expireAfterCreate(String key, Entry entry, long currentTime) {
            return entry instanceof Expiring e ? Math.max(0, e.expiresAt - currentTime) : Long.MAX_VALUE;
        }

        @Override
        public long expireAfterUpdate(String key, Entry entry, long currentTime, long currentDuration) {
            return expireAfterCreate(key, entry, currentTime);
        }

        @Override
        public long expireAfterRead(String key, Entry entry, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }

    private static final class LockExpiry implements Expiry<String, Lock> {
        @Override
        public long expireAfterCreate(String key, Lock lock, long currentTime) {
            return Math.max(0, lock.expiresAt - currentTime);
        }

        @Override
        public long expireAfterUpdate(String key, Lock lock, long currentTime, long currentDuration) {
            return expireAfterCreate(key, lock, currentTime);
        }

        @Override
        public long expireAfterRead(String key, Lock lock, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
