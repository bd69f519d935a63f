package dev.reliability.state;

import dev.reliability.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The simplest correct {@link StateStore}: one lock around two hash maps. It runs the contract suite inside the core,
 * which checks the suite itself and the SPI's shared code (key rules, TTL rounding, globs, {@link StateValue}).
 */
public final class SimpleStateStore implements StateStore {
    private static final long NEVER = Long.MAX_VALUE;

    private record Entry(StateValue value, long version, long expiresAt) {}

    private record Lock(String owner, long expiresAt) {}

    private final TimeSource time;
    private final Map<String, Entry> entries = new HashMap<>();
    private final Map<String, Lock> locks = new HashMap<>();
    private boolean closed;

    public SimpleStateStore(TimeSource time) {
        this.time = time;
    }

    private long now() {
        return time.millis();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
    }

    private Entry live(String key) {
        checkOpen();
        StateStore.checkKey(key, "key");
        Entry e = entries.get(key);
        if (e != null && e.expiresAt <= now()) {
            entries.remove(key);
            return null;
        }
        return e;
    }

    private void put(String key, Entry previous, StateValue value, long expiresAt) {
        entries.put(key, new Entry(value, previous == null ? 1 : previous.version + 1, expiresAt));
    }

    private static StateStoreException wrongType(String operation) {
        return new StateStoreException(StateStoreException.Kind.WRONG_TYPE, operation, "simple", null, null);
    }

    @Override
    public synchronized Optional<StateValue> get(String key) {
        return Optional.ofNullable(live(key)).map(Entry::value);
    }

    @Override
    public synchronized void set(String key, StateValue value) {
        StateStore.checkValue(value, DEFAULT_MAX_VALUE_BYTES);
        put(key, live(key), value, NEVER);
    }

    @Override
    public synchronized void set(String key, StateValue value, Duration ttl) {
        StateStore.checkValue(value, DEFAULT_MAX_VALUE_BYTES);
        long millis = StateStore.checkTtl(ttl);
        put(key, live(key), value, now() + millis);
    }

    @Override
    public synchronized boolean delete(String key) {
        return live(key) != null && entries.remove(key) != null;
    }

    @Override
    public synchronized boolean exists(String key) {
        return live(key) != null;
    }

    @Override
    public synchronized List<String> keys(String glob) {
        checkOpen();
        Predicate<String> pattern = StateStore.globMatcher(glob);
        List<String> result = new ArrayList<>();
        for (String key : new ArrayList<>(entries.keySet())) {
            if (pattern.test(key) && live(key) != null) {
                result.add(key);
            }
        }
        result.sort(null);
        return result;
    }

    @Override
    public synchronized long clear(String glob) {
        List<String> keys = keys(glob);
        keys.forEach(entries::remove);
        return keys.size();
    }

    @Override
    public synchronized long increment(String key, long delta) {
        Entry e = live(key);
        long current = 0;
        if (e != null) {
            StateValue number = e.value.toNumber().orElseThrow(() -> wrongType("increment"));
            if (number.type() != StateValue.Type.LONG) {
                throw wrongType("increment");
            }
            current = number.asLong();
        }
        long result;
        try {
            result = Math.addExact(current, delta);
        } catch (ArithmeticException ex) {
            throw new StateStoreException(StateStoreException.Kind.OVERFLOW, "increment", "simple", null, ex);
        }
        put(key, e, StateValue.of(result), e == null ? NEVER : e.expiresAt);
        return result;
    }

    @Override
    public synchronized double increment(String key, double delta) {
        dev.reliability.internal.Preconditions.checkArgument(
                Double.isFinite(delta), "delta must be a finite number, was %s", delta);
        Entry e = live(key);
        double current = 0;
        if (e != null) {
            current =
                    e.value.toNumber().orElseThrow(() -> wrongType("increment")).asDouble();
        }
        double result = current + delta;
        if (!Double.isFinite(result)) {
            throw new StateStoreException(StateStoreException.Kind.OVERFLOW, "increment", "simple", null, null);
        }
        put(key, e, StateValue.of(result), e == null ? NEVER : e.expiresAt);
        return result;
    }

    @Override
    public synchronized long append(String key, String text, String separator) {
        StateValue.checkText(text, "text");
        StateValue.checkText(separator, "separator");
        Entry e = live(key);
        String result;
        if (e == null) {
            result = text;
        } else if (e.value.type() != StateValue.Type.STRING) {
            throw wrongType("append");
        } else {
            result = e.value.asString() + separator + text;
        }
        StateValue value = StateStore.checkValue(StateValue.of(result), DEFAULT_MAX_VALUE_BYTES);
        put(key, e, value, e == null ? NEVER : e.expiresAt);
        return result.codePointCount(0, result.length());
    }

    @Override
    public synchronized boolean compareAndSet(String key, Optional<StateValue> expected, StateValue newValue) {
        Objects.requireNonNull(expected, "expected");
        StateStore.checkValue(newValue, DEFAULT_MAX_VALUE_BYTES);
        Entry e = live(key);
        Optional<StateValue> current = Optional.ofNullable(e).map(Entry::value);
        if (!current.equals(expected)) {
            return false;
        }
        put(key, e, newValue, NEVER);
        return true;
    }

    @Override
    public synchronized Optional<Duration> getTtl(String key) {
        Entry e = live(key);
        if (e == null || e.expiresAt == NEVER) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis(e.expiresAt - now()));
    }

    @Override
    public synchronized boolean setTtl(String key, Duration ttl) {
        long millis = StateStore.checkTtl(ttl);
        Entry e = live(key);
        if (e == null) {
            return false;
        }
        entries.put(key, new Entry(e.value, e.version + 1, now() + millis));
        return true;
    }

    private List<StateValue> list(Entry e, String operation) {
        if (e == null) {
            return new ArrayList<>();
        }
        if (e.value.type() != StateValue.Type.LIST) {
            throw wrongType(operation);
        }
        return new ArrayList<>(e.value.asList());
    }

    @Override
    public synchronized long listPush(String key, StateValue value) {
        Objects.requireNonNull(value, "value");
        Entry e = live(key);
        List<StateValue> list = list(e, "listPush");
        list.add(value);
        StateValue result = StateStore.checkValue(StateValue.ofList(list), DEFAULT_MAX_VALUE_BYTES);
        put(key, e, result, e == null ? NEVER : e.expiresAt);
        return list.size();
    }

    @Override
    public synchronized Optional<StateValue> listPop(String key) {
        Entry e = live(key);
        List<StateValue> list = list(e, "listPop");
        if (list.isEmpty()) {
            return Optional.empty();
        }
        StateValue last = list.remove(list.size() - 1);
        put(key, e, StateValue.ofList(list), e.expiresAt);
        return Optional.of(last);
    }

    @Override
    public synchronized long listLength(String key) {
        return list(live(key), "listLength").size();
    }

    private Lock liveLock(String name, String owner) {
        checkOpen();
        StateStore.checkKey(name, "name");
        StateStore.checkKey(owner, "owner");
        Lock lock = locks.get(name);
        return lock != null && lock.expiresAt > now() ? lock : null;
    }

    @Override
    public synchronized boolean tryLock(String name, String owner, Duration ttl) {
        long millis = StateStore.checkTtl(ttl);
        if (liveLock(name, owner) != null) {
            return false;
        }
        locks.put(name, new Lock(owner, now() + millis));
        return true;
    }

    @Override
    public synchronized boolean extendLock(String name, String owner, Duration ttl) {
        long millis = StateStore.checkTtl(ttl);
        Lock lock = liveLock(name, owner);
        if (lock == null || !lock.owner.equals(owner)) {
            return false;
        }
        locks.put(name, new Lock(owner, now() + millis));
        return true;
    }

    @Override
    public synchronized boolean unlock(String name, String owner) {
        Lock lock = liveLock(name, owner);
        return lock != null && lock.owner.equals(owner) && locks.remove(name) != null;
    }

    @Override
    public synchronized Optional<VersionedValue> getVersioned(String key) {
        return Optional.ofNullable(live(key)).map(e -> new VersionedValue(e.value, e.version));
    }

    @Override
    public synchronized boolean compareAndSetVersion(String key, long expectedVersion, StateValue value) {
        dev.reliability.internal.Preconditions.checkAtLeast(expectedVersion, 0L, "expectedVersion");
        StateStore.checkValue(value, DEFAULT_MAX_VALUE_BYTES);
        Entry e = live(key);
        long version = e == null ? 0 : e.version;
        if (version != expectedVersion) {
            return false;
        }
        put(key, e, value, NEVER);
        return true;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
