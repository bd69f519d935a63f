package dev.reliability;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * The single source of time for every component: a wall clock for anything shared or persisted, a monotonic clock for
 * elapsed time inside one JVM, and the sleep that every backoff wait goes through.
 *
 * <p>Keeping clock and sleep in one interface means a test cannot pair a fake clock with a real sleep. Only {@link
 * #system()} touches real time; tests use {@code dev.reliability.testing.ManualTimeSource} from the core test-jar.
 *
 * <p>Implementations must be thread-safe.
 */
public interface TimeSource extends InstantSource {

    /**
     * Returns the current wall-clock instant. It may jump forwards or backwards; use it only for values that leave the
     * JVM (events, persisted state), never to measure elapsed time.
     *
     * @return the current instant
     */
    @Override
    Instant instant();

    /**
     * Returns the current value of a monotonic clock, in nanoseconds. Only differences between two readings are
     * meaningful; the value may be negative and may wrap around.
     *
     * @return a monotonic reading in nanoseconds
     */
    long nanoTime();

    /**
     * Blocks the calling thread for the given duration. A zero or negative duration returns at once.
     *
     * @param duration how long to wait
     * @throws InterruptedException if the thread is interrupted while waiting
     * @throws NullPointerException if {@code duration} is null
     */
    void sleep(Duration duration) throws InterruptedException;

    /**
     * Returns the time source backed by the JDK's clocks and {@link Thread#sleep}.
     *
     * @return the system time source, a thread-safe singleton
     */
    static TimeSource system() {
        return SystemTimeSource.INSTANCE;
    }
}
