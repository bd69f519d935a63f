package dev.reliability.registry;

import dev.reliability.TimeSource;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.internal.Listeners;
import dev.reliability.state.StateStore;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A registry's connection to its state store, shared by all its persisted breakers: it runs their store operations and
 * tracks outages. The first failure after the store was available starts an outage: one WARNING log line and one
 * {@link CircuitBreakerListener#onStoreUnavailable} event. During the outage, store operations are skipped, except one
 * attempt per sync interval for the whole registry; the first that succeeds ends the outage.
 */
final class StoreLink {
    private static final Logger LOGGER = System.getLogger("dev.reliability");

    /** Thrown inside a sync operation when the store is down or has just failed; never escapes the sync. */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private Unavailable() {
            super("state store unavailable", null, false, false);
        }
    }

    static final Unavailable UNAVAILABLE = new Unavailable();

    final StateStore store;
    final SharingPolicy policy;
    final long syncNanos;
    final String node;
    final TimeSource time;
    private final CircuitBreakerListener[] listeners;
    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicLong retryAt = new AtomicLong();
    private final AtomicLong outages = new AtomicLong();

    StoreLink(
            StateStore store,
            SharingPolicy policy,
            long syncNanos,
            TimeSource time,
            List<CircuitBreakerListener> listeners) {
        this.store = store;
        this.policy = policy;
        this.syncNanos = syncNanos;
        this.time = time;
        this.listeners = listeners.toArray(new CircuitBreakerListener[0]);
        // Unique per registry: a restarted JVM is a new node, and so is a second registry in one JVM.
        this.node = "pid" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    }

    /** Runs a store operation, or throws {@link #UNAVAILABLE} if the store is down (or fails now). */
    <T> T call(String breaker, Supplier<T> operation) {
        if (down.get()) {
            long now = time.nanoTime();
            long at = retryAt.get();
            if (now - at < 0 || !retryAt.compareAndSet(at, now + syncNanos)) {
                throw UNAVAILABLE;
            }
        }
        T result;
        try {
            result = operation.get();
        } catch (RuntimeException failure) {
            failed(breaker, failure);
            throw UNAVAILABLE;
        }
        down.set(false);
        return result;
    }

    boolean isDown() {
        return down.get();
    }

    long outages() {
        return outages.get();
    }

    long wallMillis() {
        return time.millis();
    }

    private void failed(String breaker, RuntimeException failure) {
        retryAt.set(time.nanoTime() + syncNanos);
        if (!down.compareAndSet(false, true)) {
            return;
        }
        outages.incrementAndGet();
        LOGGER.log(
                Level.WARNING,
                "state store failed for circuit breaker '" + breaker
                        + "'; breakers keep working on local state and reconcile when the store answers again",
                failure);
        for (CircuitBreakerListener listener : listeners) {
            try {
                listener.onStoreUnavailable(breaker, failure);
            } catch (Throwable t) {
                Listeners.listenerFailed("onStoreUnavailable", breaker, t);
            }
        }
    }
}
