package dev.reliability.state;

import dev.reliability.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The simplest correct {@link StateStore}: {@link AbstractStateStore}'s accessors over one lock around two hash maps.
 * It runs the contract suite inside the core, which checks the suite itself and the SPI's shared code (the base's
 * argument checks and value rules, key rules, TTL rounding, globs, {@link StateValue}).
 */
public final class SimpleStateStore extends AbstractStateStore {
    private static final long NEVER = Long.MAX_VALUE;

    private record Entry(StateValue value, long version, long expiresAt) {}

    private record Lock(String owner, long expiresAt) {}

    private final TimeSource time;
    private final Map<String, Entry> entries = new HashMap<>();
    private final Map<String, Lock> locks = new HashMap<>();
    private boolean closed;

    public SimpleStateStore(TimeSource time) {
        super("simple", DEFAULT_MAX_VALUE_BYTES);
        this.time = time;
    }

    private long now() {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
        return time.millis();
    }

    /** The live entry of a key; an expired one is dropped. */
    private Entry live(String key) {
        Entry e = entries.get(key);
        if (e != null && e.expiresAt <= now()) {
            entries.remove(key);
            return null;
        }
        return e;
    }

    @Override
    protected synchronized <R> R update(String key, String operation, Function<StateValue, Change<R>> change) {
        Entry e = live(key);
        Change<R> c = change.apply(e == null ? null : e.value);
        if (c.value() != null) {
            long expiresAt = c.keepsTtl() && e != null ? e.expiresAt : NEVER;
            entries.put(key, new Entry(c.value(), e == null ? 1 : e.version + 1, expiresAt));
        }
        return c.result();
    }

    @Override
    protected synchronized void write(String key, StateValue value, long ttlMillis) {
        Entry e = live(key);
        long expiresAt = ttlMillis == 0 ? NEVER : now() + ttlMillis;
        entries.put(key, new Entry(value, e == null ? 1 : e.version + 1, expiresAt));
    }

    @Override
    protected synchronized boolean remove(String key) {
        return live(key) != null && entries.remove(key) != null;
    }

    @Override
    protected synchronized boolean expire(String key, long ttlMillis) {
        Entry e = live(key);
        if (e == null) {
            return false;
        }
        entries.put(key, new Entry(e.value, e.version + 1, now() + ttlMillis));
        return true;
    }

    @Override
    protected synchronized Optional<VersionedValue> read(String key, String operation) {
        return Optional.ofNullable(live(key)).map(e -> new VersionedValue(e.value, e.version));
    }

    @Override
    protected synchronized List<String> liveKeys(Predicate<String> matcher, String prefix) {
        List<String> result = new ArrayList<>();
        for (String key : new ArrayList<>(entries.keySet())) {
            if (key.startsWith(prefix) && matcher.test(key) && live(key) != null) {
                result.add(key);
            }
        }
        result.sort(null);
        return result;
    }

    @Override
    protected synchronized Optional<Duration> remainingTtl(String key) {
        Entry e = live(key);
        if (e == null || e.expiresAt == NEVER) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis(e.expiresAt - now()));
    }

    @Override
    protected synchronized boolean writeIfVersion(String key, long expectedVersion, StateValue value) {
        Entry e = live(key);
        if ((e == null ? 0 : e.version) != expectedVersion) {
            return false;
        }
        entries.put(key, new Entry(value, e == null ? 1 : e.version + 1, NEVER));
        return true;
    }

    private Lock liveLock(String name) {
        Lock lock = locks.get(name);
        return lock != null && lock.expiresAt > now() ? lock : null;
    }

    @Override
    protected synchronized boolean lockAcquire(String name, String owner, long ttlMillis) {
        if (liveLock(name) != null) {
            return false;
        }
        locks.put(name, new Lock(owner, now() + ttlMillis));
        return true;
    }

    @Override
    protected synchronized boolean lockExtend(String name, String owner, long ttlMillis) {
        Lock lock = liveLock(name);
        if (lock == null || !lock.owner.equals(owner)) {
            return false;
        }
        locks.put(name, new Lock(owner, now() + ttlMillis));
        return true;
    }

    @Override
    protected synchronized boolean lockRelease(String name, String owner) {
        Lock lock = liveLock(name);
        return lock != null && lock.owner.equals(owner) && locks.remove(name) != null;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
