package dev.reliability.state.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.reliability.TimeSource;
import dev.reliability.state.StateStore;
import dev.reliability.state.StateStoreException;
import dev.reliability.state.StateValue;
import dev.reliability.state.VersionedValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;

/**
 * A {@link StateStore} held in memory, on Caffeine. Every read-modify-write operation runs inside one {@code
 * ConcurrentMap.compute} call, so it is atomic; each entry carries its own expiry, and Caffeine's ticker reads the
 * store's {@link TimeSource#nanoTime()}, so TTLs follow a {@code ManualTimeSource} in tests.
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
public final class MemoryStateStore implements StateStore {
    private static final String STORE = "memory";

    /** A value with its version; {@code expiresAt} is a {@code nanoTime} reading, meaningful only if {@code expiring}. */
    private record Entry(StateValue value, long version, boolean expiring, long expiresAt) {
        boolean isLive(long now) {
            return !expiring || expiresAt - now > 0;
        }
    }

    private record Lock(String owner, long expiresAt) {}

    private final TimeSource timeSource;
    private final long maxValueBytes;
    private final Cache<String, Entry> entries;
    private final Cache<String, Lock> locks;
    private final ConcurrentMap<String, Entry> map;
    private volatile boolean closed;

    private MemoryStateStore(Builder builder) {
        this.timeSource = builder.timeSource;
        this.maxValueBytes = builder.maxValueBytes;
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

    // ------------------------------------------------------------------ helpers

    private long now() {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
        return timeSource.nanoTime();
    }

    private static Entry live(Entry e, long now) {
        return e != null && e.isLive(now) ? e : null;
    }

    private static long nanos(long millis) {
        return millis * 1_000_000L;
    }

    private static Entry next(Entry previous, StateValue value, boolean expiring, long expiresAt) {
        return new Entry(value, previous == null ? 1 : previous.version + 1, expiring, expiresAt);
    }

    /** A new value that keeps the previous entry's TTL, or has none if there was no live entry. */
    private static Entry keepTtl(Entry previous, StateValue value) {
        return previous == null
                ? next(null, value, false, 0)
                : next(previous, value, previous.expiring, previous.expiresAt);
    }

    private static StateStoreException wrongType(String operation) {
        return new StateStoreException(StateStoreException.Kind.WRONG_TYPE, operation, STORE, null, null);
    }

    private StateValue checkValue(StateValue value) {
        return StateStore.checkValue(value, maxValueBytes);
    }

    private Entry read(String key) {
        StateStore.checkKey(key, "key");
        long now = now();
        return live(map.get(key), now);
    }

    // ------------------------------------------------------------------ operations

    @Override
    public Optional<StateValue> get(String key) {
        return Optional.ofNullable(read(key)).map(Entry::value);
    }

    @Override
    public void set(String key, StateValue value) {
        StateStore.checkKey(key, "key");
        checkValue(value);
        long now = now();
        map.compute(key, (k, e) -> next(live(e, now), value, false, 0));
    }

    @Override
    public void set(String key, StateValue value, Duration ttl) {
        StateStore.checkKey(key, "key");
        checkValue(value);
        long ttlNanos = nanos(StateStore.checkTtl(ttl));
        long now = now();
        map.compute(key, (k, e) -> next(live(e, now), value, true, now + ttlNanos));
    }

    @Override
    public boolean delete(String key) {
        StateStore.checkKey(key, "key");
        long now = now();
        boolean[] removed = new boolean[1];
        map.computeIfPresent(key, (k, e) -> {
            removed[0] = e.isLive(now);
            return null;
        });
        return removed[0];
    }

    @Override
    public boolean exists(String key) {
        return read(key) != null;
    }

    @Override
    public List<String> keys(String glob) {
        Predicate<String> pattern = StateStore.globMatcher(glob);
        long now = now();
        List<String> result = new ArrayList<>();
        map.forEach((key, e) -> {
            if (e.isLive(now) && pattern.test(key)) {
                result.add(key);
            }
        });
        result.sort(null);
        return result;
    }

    @Override
    public long clear(String glob) {
        long now = now();
        long removed = 0;
        for (String key : keys(glob)) {
            boolean[] wasLive = new boolean[1];
            map.computeIfPresent(key, (k, e) -> {
                wasLive[0] = e.isLive(now);
                return null;
            });
            if (wasLive[0]) {
                removed++;
            }
        }
        return removed;
    }

    @Override
    public long increment(String key, long delta) {
        StateStore.checkKey(key, "key");
        long now = now();
        long[] result = new long[1];
        map.compute(key, (k, stored) -> {
            Entry e = live(stored, now);
            long current = 0;
            if (e != null) {
                StateValue number = e.value.toNumber().orElseThrow(() -> wrongType("increment"));
                if (number.type() != StateValue.Type.LONG) {
                    throw wrongType("increment");
                }
                current = number.asLong();
            }
            try {
                result[0] = Math.addExact(current, delta);
            } catch (ArithmeticException overflow) {
                throw new StateStoreException(StateStoreException.Kind.OVERFLOW, "increment", STORE, null, overflow);
            }
            return keepTtl(e, StateValue.of(result[0]));
        });
        return result[0];
    }

    @Override
    public double increment(String key, double delta) {
        StateStore.checkKey(key, "key");
        if (!Double.isFinite(delta)) {
            throw new IllegalArgumentException("delta must be a finite number, was " + delta);
        }
        long now = now();
        double[] result = new double[1];
        map.compute(key, (k, stored) -> {
            Entry e = live(stored, now);
            double current = e == null
                    ? 0
                    : e.value
                            .toNumber()
                            .orElseThrow(() -> wrongType("increment"))
                            .asDouble();
            result[0] = current + delta;
            if (!Double.isFinite(result[0])) {
                throw new StateStoreException(StateStoreException.Kind.OVERFLOW, "increment", STORE, null, null);
            }
            return keepTtl(e, StateValue.of(result[0]));
        });
        return result[0];
    }

    @Override
    public long append(String key, String text, String separator) {
        StateStore.checkKey(key, "key");
        StateValue.of(text);
        StateValue.of(separator);
        long now = now();
        long[] length = new long[1];
        map.compute(key, (k, stored) -> {
            Entry e = live(stored, now);
            String result;
            if (e == null) {
                result = text;
            } else if (e.value.type() != StateValue.Type.STRING) {
                throw wrongType("append");
            } else {
                result = e.value.asString() + separator + text;
            }
            StateValue value = checkValue(StateValue.of(result));
            length[0] = result.codePointCount(0, result.length());
            return keepTtl(e, value);
        });
        return length[0];
    }

    @Override
    public boolean compareAndSet(String key, Optional<StateValue> expected, StateValue newValue) {
        StateStore.checkKey(key, "key");
        Objects.requireNonNull(expected, "expected");
        checkValue(newValue);
        long now = now();
        boolean[] swapped = new boolean[1];
        map.compute(key, (k, stored) -> {
            Entry e = live(stored, now);
            if (!Optional.ofNullable(e).map(Entry::value).equals(expected)) {
                return stored;
            }
            swapped[0] = true;
            return next(e, newValue, false, 0);
        });
        return swapped[0];
    }

    @Override
    public Optional<Duration> getTtl(String key) {
        StateStore.checkKey(key, "key");
        long now = now();
        Entry e = live(map.get(key), now);
        if (e == null || !e.expiring) {
            return Optional.empty();
        }
        // Rounded up to whole milliseconds, the resolution every store reports.
        long remaining = e.expiresAt - now;
        return Optional.of(Duration.ofMillis((remaining + 999_999) / 1_000_000));
    }

    @Override
    public boolean setTtl(String key, Duration ttl) {
        StateStore.checkKey(key, "key");
        long ttlNanos = nanos(StateStore.checkTtl(ttl));
        long now = now();
        boolean[] found = new boolean[1];
        map.computeIfPresent(key, (k, stored) -> {
            Entry e = live(stored, now);
            if (e == null) {
                return null;
            }
            found[0] = true;
            return next(e, e.value, true, now + ttlNanos);
        });
        return found[0];
    }

    private static List<StateValue> listOf(Entry e, String operation) {
        if (e == null) {
            return new ArrayList<>();
        }
        if (e.value.type() != StateValue.Type.LIST) {
            throw wrongType(operation);
        }
        return new ArrayList<>(e.value.asList());
    }

    @Override
    public long listPush(String key, StateValue value) {
        StateStore.checkKey(key, "key");
        Objects.requireNonNull(value, "value");
        long now = now();
        long[] length = new long[1];
        map.compute(key, (k, stored) -> {
            Entry e = live(stored, now);
            List<StateValue> list = listOf(e, "listPush");
            list.add(value);
            StateValue updated = checkValue(StateValue.ofList(list));
            length[0] = list.size();
            return keepTtl(e, updated);
        });
        return length[0];
    }

    @Override
    public Optional<StateValue> listPop(String key) {
        StateStore.checkKey(key, "key");
        long now = now();
        StateValue[] popped = new StateValue[1];
        map.computeIfPresent(key, (k, stored) -> {
            Entry e = live(stored, now);
            if (e == null) {
                return null;
            }
            List<StateValue> list = listOf(e, "listPop");
            if (list.isEmpty()) {
                return stored;
            }
            popped[0] = list.remove(list.size() - 1);
            return keepTtl(e, StateValue.ofList(list));
        });
        return Optional.ofNullable(popped[0]);
    }

    @Override
    public long listLength(String key) {
        return listOf(read(key), "listLength").size();
    }

    @Override
    public boolean tryLock(String name, String owner, Duration ttl) {
        checkLockArguments(name, owner);
        long ttlNanos = nanos(StateStore.checkTtl(ttl));
        long now = now();
        boolean[] acquired = new boolean[1];
        locks.asMap().compute(name, (k, held) -> {
            if (held != null && held.expiresAt - now > 0) {
                return held; // not re-entrant: the holder itself is refused too
            }
            acquired[0] = true;
            return new Lock(owner, now + ttlNanos);
        });
        return acquired[0];
    }

    @Override
    public boolean extendLock(String name, String owner, Duration ttl) {
        checkLockArguments(name, owner);
        long ttlNanos = nanos(StateStore.checkTtl(ttl));
        long now = now();
        boolean[] extended = new boolean[1];
        locks.asMap().computeIfPresent(name, (k, held) -> {
            if (held.expiresAt - now <= 0 || !held.owner.equals(owner)) {
                return held;
            }
            extended[0] = true;
            return new Lock(owner, now + ttlNanos);
        });
        return extended[0];
    }

    @Override
    public boolean unlock(String name, String owner) {
        checkLockArguments(name, owner);
        long now = now();
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

    private static void checkLockArguments(String name, String owner) {
        StateStore.checkKey(name, "name");
        StateStore.checkKey(owner, "owner");
    }

    @Override
    public Optional<VersionedValue> getVersioned(String key) {
        return Optional.ofNullable(read(key)).map(e -> new VersionedValue(e.value, e.version));
    }

    /** Reads every key at one instant of the store's clock, in one pass, with no round trip to speak of. */
    @Override
    public Map<String, VersionedValue> getAllVersioned(Collection<String> keys) {
        Objects.requireNonNull(keys, "keys");
        for (String key : keys) {
            StateStore.checkKey(key, "key"); // every key first: a bad one reads nothing
        }
        long now = now();
        Map<String, VersionedValue> values = new HashMap<>();
        for (String key : keys) {
            Entry e = live(map.get(key), now);
            if (e != null) {
                values.put(key, new VersionedValue(e.value, e.version));
            }
        }
        return values;
    }

    @Override
    public boolean compareAndSetVersion(String key, long expectedVersion, StateValue value) {
        StateStore.checkKey(key, "key");
        if (expectedVersion < 0) {
            throw new IllegalArgumentException("expectedVersion must be >= 0, was " + expectedVersion);
        }
        checkValue(value);
        long now = now();
        boolean[] written = new boolean[1];
        map.compute(key, (k, stored) -> {
            Entry e = live(stored, now);
            if ((e == null ? 0 : e.version) != expectedVersion) {
                return stored;
            }
            written[0] = true;
            return next(e, value, false, 0);
        });
        return written[0];
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
        return "MemoryStateStore[keys=" + entries.estimatedSize() + ", maxValueBytes=" + maxValueBytes + "]";
    }

    private static final class EntryExpiry implements Expiry<String, Entry> {
        @Override
        public long expireAfterCreate(String key, Entry entry, long currentTime) {
            return entry.expiring ? Math.max(0, entry.expiresAt - currentTime) : Long.MAX_VALUE;
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
