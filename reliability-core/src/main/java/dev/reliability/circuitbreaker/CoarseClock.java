package dev.reliability.circuitbreaker;

import dev.reliability.TimeSource;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A monotonic clock read from a volatile field that a ticker advances every {@link #RESOLUTION_NANOS} while anyone
 * reads it, so that measuring a call's duration for the slow-call window costs two field reads instead of two clock
 * reads.
 *
 * <p>A duration measured on it differs from the real one by at most one resolution either way, plus however late the
 * ticker thread runs when the machine is overloaded; {@link StateMachineCircuitBreaker} therefore uses it only for
 * slow-call thresholds of at least {@link #MIN_THRESHOLD_NANOS}, and only with {@link TimeSource#system()}: any other
 * time source (a manual test clock) is read directly, so virtual-time tests see exact durations.
 *
 * <p>The ticker stops when nobody reads the clock: every {@link #PROBE_EVERY} ticks it marks the value as
 * <em>probed</em>, the first read that sees the mark clears it, and a ticker that finds its mark still there a probe
 * later marks the value <em>stopped</em> and parks. The marks are the value's two low bits, so a read costs a field read
 * and a test of those bits; a read that finds a mark reads the time source itself, and the first read that finds the
 * clock stopped restarts the ticker. A stopped or restarting clock is therefore never read as a time: a call that spans
 * a stop is timed exactly, not as the stale value the stopped clock holds. The system clock's ticker
 * ({@code reliability-coarse-clock}, a daemon thread started by the first breaker that needs it) wakes once a
 * millisecond while breakers are timed on it, and not at all 1 to 2 seconds after the last such call.
 */
final class CoarseClock {
    /** How often the ticker advances the clock. */
    static final long RESOLUTION_NANOS = 1_000_000L;

    /** The shortest slow-call threshold measured on this clock: ten resolutions, so the error stays within 10 %. */
    static final long MIN_THRESHOLD_NANOS = 10 * RESOLUTION_NANOS;

    /** The ticker checks every this many ticks whether the clock was read since the last check; a power of two. */
    static final int PROBE_EVERY = 1024;

    /** The low bits of {@link #now} that hold its state; the rest is a reading of the time source. */
    private static final long MARKS = 3L;
    /** State: ticking, read since the last probe. */
    private static final long TICKING = 0L;
    /** State: ticking, not read since the last probe. */
    private static final long PROBED = 1L;
    /** State: the ticker has stopped; the value is stale. */
    private static final long STOPPED = 2L;
    /** State: a reader has asked the ticker to restart; the value is stale until its first tick. */
    private static final long RESTARTING = 3L;

    private static final VarHandle NOW;

    static {
        try {
            NOW = MethodHandles.lookup().findVarHandle(CoarseClock.class, "now", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TimeSource time;
    /** Wakes the ticker after a reader found it stopped. */
    private final Runnable restart;
    /** A reading of the time source with the state in its low bits. */
    private volatile long now;
    /** Ticks since the ticker started; written only by the ticker. */
    private int ticks;

    /** A clock whose ticker is running (or about to start) and calls {@link #tick()}; {@code restart} wakes it. */
    CoarseClock(TimeSource time, Runnable restart) {
        this.time = time;
        this.restart = restart;
        this.now = reading();
    }

    /** The clock's value: a reading of the time source taken at most about one resolution ago. */
    long nanoTime() {
        long n = now;
        return (n & MARKS) == TICKING ? n : marked(n);
    }

    /** A read that found a mark: clears a probe, restarts a stopped ticker, and returns an exact reading. */
    private long marked(long n) {
        for (; ; ) {
            long exact = reading();
            long state = n & MARKS;
            if (state == PROBED) {
                if (NOW.compareAndSet(this, n, exact)) {
                    return exact;
                }
            } else if (state == STOPPED) {
                if (NOW.compareAndSet(this, n, n | RESTARTING)) {
                    restart.run();
                    return exact;
                }
            } else {
                return exact; // ticking again (another reader cleared the probe), or restarting
            }
            n = now;
        }
    }

    /**
     * One step of the ticker: advances the clock to the time source's current reading, and on every {@link
     * #PROBE_EVERY}th tick probes for readers. Returns whether the ticker should go on; false once the clock is
     * stopped, after which only a read restarts it.
     */
    boolean tick() {
        boolean probe = (++ticks & (PROBE_EVERY - 1)) == 0;
        for (; ; ) {
            long n = now;
            long state = n & MARKS;
            if (state == STOPPED) {
                return false;
            }
            if (probe && state == PROBED) {
                if (NOW.compareAndSet(this, n, (n & ~MARKS) | STOPPED)) {
                    ticks = 0;
                    return false;
                }
                continue; // a reader cleared the probe meanwhile
            }
            long next = reading() | (probe || state == PROBED ? PROBED : TICKING);
            if (NOW.compareAndSet(this, n, next)) {
                return true;
            }
        }
    }

    /** Whether the ticker has stopped and no read has asked for it since. */
    boolean stopped() {
        return (now & MARKS) == STOPPED;
    }

    private long reading() {
        return time.nanoTime() & ~MARKS;
    }

    /** The coarse clock of {@link TimeSource#system()}, its ticker started on first use. */
    static CoarseClock system() {
        return SystemTicker.CLOCK;
    }

    /** Holds the system clock, so the ticker starts only when a breaker first asks for it. */
    private static final class SystemTicker {
        static final CoarseClock CLOCK = start(TimeSource.system());

        private static CoarseClock start(TimeSource time) {
            CoarseClock[] clock = new CoarseClock[1];
            Thread ticker = new Thread(() -> run(clock[0], time), "reliability-coarse-clock");
            clock[0] = new CoarseClock(time, () -> LockSupport.unpark(ticker));
            ticker.setDaemon(true);
            ticker.setContextClassLoader(null); // keeps no application's class loader reachable
            ticker.start();
            return clock[0];
        }

        /** Ticks while the clock is read, parks while it is stopped; nobody owns this thread to stop it. */
        private static void run(CoarseClock clock, TimeSource time) {
            Duration period = Duration.ofNanos(RESOLUTION_NANOS);
            for (; ; ) {
                while (clock.tick()) {
                    try {
                        time.sleep(period);
                    } catch (InterruptedException e) {
                        // keep ticking: the interrupt is cleared, so the park below still blocks
                    }
                }
                while (clock.stopped()) {
                    LockSupport.park(clock);
                    Thread.interrupted(); // an interrupt would make every later park return at once
                }
            }
        }
    }
}
