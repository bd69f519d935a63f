package dev.reliability.testing;

import dev.reliability.state.StateStore;
import dev.reliability.state.StateStoreException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wraps a real {@link StateStore} (no mock): counts the operations by name and, while switched off, fails every
 * operation with a {@link StateStoreException} of kind {@link StateStoreException.Kind#UNAVAILABLE}, as a store whose
 * database refuses connections does. Thread-safe.
 */
public final class SwitchableStateStore {
    private final StateStore target;
    private final StateStore proxy;
    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean available = true;

    /**
     * Wraps a store.
     *
     * @param target the store that answers while switched on
     */
    public SwitchableStateStore(StateStore target) {
        this.target = Objects.requireNonNull(target, "target");
        this.proxy = (StateStore) Proxy.newProxyInstance(
                StateStore.class.getClassLoader(), new Class<?>[] {StateStore.class}, (p, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.invoke(this.target, args);
                    }
                    if (!available) {
                        refused.incrementAndGet();
                        throw new StateStoreException(
                                StateStoreException.Kind.UNAVAILABLE, method.getName(), "switchable", "08001", null);
                    }
                    calls.computeIfAbsent(method.getName(), k -> new AtomicLong())
                            .incrementAndGet();
                    try {
                        return method.invoke(this.target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** Returns the store to hand to the code under test. */
    public StateStore store() {
        return proxy;
    }

    /** Switches the store on or off. */
    public void available(boolean on) {
        this.available = on;
    }

    /** Returns how many times an operation ran while switched on. */
    public long calls(String operation) {
        AtomicLong n = calls.get(operation);
        return n == null ? 0L : n.get();
    }

    /** Returns how many operations ran while switched on. */
    public long totalCalls() {
        return calls.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Returns how many operations were refused while switched off. */
    public long refused() {
        return refused.get();
    }

    /** Forgets the counts. */
    public void resetCounts() {
        calls.clear();
        refused.set(0);
    }
}
