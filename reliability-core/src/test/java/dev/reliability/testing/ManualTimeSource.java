package dev.reliability.testing;

import dev.reliability.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link TimeSource} that moves only when told to, so backoff schedules, open durations and TTLs are tested instantly
 * and exactly.
 *
 * <p>{@link #sleep} does not block: it records the requested duration and advances both clocks by it. The wall clock
 * and the monotonic clock advance together through {@link #advance}; {@link #stepWallClock} moves the wall clock alone,
 * as an NTP correction would. Thread-safe.
 */
public final class ManualTimeSource implements TimeSource {
    /** The wall-clock start used by {@link #ManualTimeSource()}. */
    public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

    private Instant instant;
    private long nanos;
    private final List<Duration> sleeps = new ArrayList<>();

    /** Creates a time source at {@link #DEFAULT_START} with the monotonic clock at zero. */
    public ManualTimeSource() {
        this(DEFAULT_START, 0L);
    }

    /**
     * Creates a time source at the given readings. A monotonic start near {@code Long.MAX_VALUE} tests wrap-around.
     *
     * @param start the initial wall-clock instant
     * @param startNanos the initial monotonic reading
     */
    public ManualTimeSource(Instant start, long startNanos) {
        this.instant = Objects.requireNonNull(start, "start");
        this.nanos = startNanos;
    }

    @Override
    public synchronized Instant instant() {
        return instant;
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    /**
     * Records the wait and advances both clocks by it at once. Throws if the thread is already interrupted, as {@link
     * Thread#sleep} does.
     */
    @Override
    public void sleep(Duration duration) throws InterruptedException {
        Objects.requireNonNull(duration, "duration");
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before a sleep of " + duration);
        }
        synchronized (this) {
            sleeps.add(duration);
            if (!duration.isNegative()) {
                advanceUnlocked(duration);
            }
        }
    }

    /**
     * Moves both clocks forward. The monotonic clock wraps around as {@code System.nanoTime()} may.
     *
     * @param duration how far to move; must not be negative
     * @return this time source
     */
    public synchronized ManualTimeSource advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must be >= 0, was " + duration);
        }
        advanceUnlocked(duration);
        return this;
    }

    /**
     * Moves the wall clock alone, forwards or backwards, leaving the monotonic clock where it is.
     *
     * @param step how far to move the wall clock
     * @return this time source
     */
    public synchronized ManualTimeSource stepWallClock(Duration step) {
        instant = instant.plus(step);
        return this;
    }

    /** Returns every duration passed to {@link #sleep}, in order. */
    public synchronized List<Duration> sleeps() {
        return List.copyOf(sleeps);
    }

    /** Forgets the recorded sleeps. */
    public synchronized void clearSleeps() {
        sleeps.clear();
    }

    private void advanceUnlocked(Duration duration) {
        instant = instant.plus(duration);
        nanos += duration.toNanos(); // wraps on purpose, like the real monotonic clock
    }

    @Override
    public synchronized String toString() {
        return "ManualTimeSource[" + instant + ", nanos=" + nanos + "]";
    }
}
