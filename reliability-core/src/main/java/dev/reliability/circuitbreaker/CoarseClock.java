package dev.reliability.circuitbreaker;

import dev.reliability.TimeSource;
import java.time.Duration;

/**
 * A monotonic clock read from a volatile field that one daemon thread advances every {@link #RESOLUTION_NANOS}, so
 * that measuring a call's duration for the slow-call window costs two field reads instead of two clock reads.
 *
 * <p>A duration measured on it differs from the real one by at most one resolution either way, plus however late the
 * ticker thread runs when the machine is overloaded; {@link StateMachineCircuitBreaker} therefore uses it only for
 * slow-call thresholds of at least {@link #MIN_THRESHOLD_NANOS}, and only with {@link TimeSource#system()}: any other
 * time source (a manual test clock) is read directly, so virtual-time tests see exact durations.
 *
 * <p>The ticker ({@code reliability-coarse-clock}) is started by the first breaker that needs it and runs for the life
 * of the JVM: one wake-up per millisecond on a daemon thread, which reads the clock through the time source and sleeps
 * through it.
 */
final class CoarseClock {
    /** How often the ticker advances the clock. */
    static final long RESOLUTION_NANOS = 1_000_000L;

    /** The shortest slow-call threshold measured on this clock: ten resolutions, so the error stays within 10 %. */
    static final long MIN_THRESHOLD_NANOS = 10 * RESOLUTION_NANOS;

    private final TimeSource time;
    private volatile long now;

    CoarseClock(TimeSource time) {
        this.time = time;
        this.now = time.nanoTime();
    }

    /** The clock's value: a reading of the time source taken at most about one resolution ago. */
    long nanoTime() {
        return now;
    }

    /** Advances the clock to the time source's current reading. */
    void tick() {
        now = time.nanoTime();
    }

    /** The coarse clock of {@link TimeSource#system()}, its ticker started on first use. */
    static CoarseClock system() {
        return SystemTicker.CLOCK;
    }

    /** Holds the system clock, so the ticker starts only when a breaker first asks for it. */
    private static final class SystemTicker {
        static final CoarseClock CLOCK = start(TimeSource.system());

        private static CoarseClock start(TimeSource time) {
            CoarseClock clock = new CoarseClock(time);
            Duration period = Duration.ofNanos(RESOLUTION_NANOS);
            Thread ticker = new Thread(
                    () -> {
                        for (; ; ) {
                            try {
                                time.sleep(period);
                            } catch (InterruptedException e) {
                                // Nobody owns this thread to stop it: keep ticking.
                            }
                            clock.tick();
                        }
                    },
                    "reliability-coarse-clock");
            ticker.setDaemon(true);
            ticker.setContextClassLoader(null); // keeps no application's class loader reachable
            ticker.start();
            return clock;
        }
    }
}
