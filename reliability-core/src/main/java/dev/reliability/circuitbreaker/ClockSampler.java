package dev.reliability.circuitbreaker;

import dev.reliability.TimeSource;

/**
 * Decides which calls read the clock, so that hot paths read it rarely under load and on every call under sparse
 * traffic.
 *
 * <p>While the mask is zero every call samples; otherwise each thread samples one call in {@code mask + 1}: those whose
 * count in the caller's own counter (which the call increments anyway) is a multiple of {@code mask + 1}. Deciding not
 * to sample therefore writes no shared memory and draws no random number; a mask that narrows takes effect within
 * {@code mask + 1} calls. Each sample compares the time since the previous sample with {@link #TARGET_NANOS}: much
 * shorter (a quarter or less) doubles the sampling interval, up to {@code maxMask + 1} calls; longer resets it to every
 * call. Under steady load the gap between samples therefore settles below about a millisecond, and after a lull the
 * next call always samples. A clock that does not move (a manual test clock) never widens the interval, so virtual-time
 * tests see every call sampled.
 *
 * <p>The fields are updated without compare-and-set: a lost update only shifts the heuristic and never affects
 * correctness, because callers treat the sampled time as a lower bound of the current time.
 */
final class ClockSampler {
    /** The longest gap between samples the sampler aims for under load. */
    static final long TARGET_NANOS = 1_000_000L;

    private final int maxMask;
    private volatile int mask;
    private volatile long lastNanos;
    private volatile boolean sampled;

    ClockSampler(int maxMask) {
        this.maxMask = maxMask;
    }

    ClockSampler(int maxMask, long startNanos) {
        this(maxMask);
        this.lastNanos = startNanos;
        this.sampled = true;
    }

    /**
     * Whether this call should read the clock, given the calling thread's own count of the calls this sampler sees (its
     * successes or its rejections, see {@link ThreadCounters}): every call while the mask is zero, otherwise the calls
     * whose count is a multiple of {@code mask + 1}. Reads shared memory only.
     */
    boolean shouldSample(long callerCount) {
        int m = mask;
        return m == 0 || ((int) callerCount & m) == 0;
    }

    /** Reads the clock, records the sample and returns it. */
    long sample(TimeSource time) {
        long now = time.nanoTime();
        record(now);
        return now;
    }

    /** Records a clock reading taken by the caller and adapts the sampling interval. */
    void record(long now) {
        if (sampled) {
            long elapsed = now - lastNanos; // wrap-safe difference of monotonic readings
            int m = mask;
            if (elapsed > TARGET_NANOS) {
                if (m != 0) {
                    mask = 0;
                }
            } else if (elapsed > 0 && elapsed <= TARGET_NANOS / 4 && m < maxMask) {
                mask = (m << 1) | 1;
            }
        }
        lastNanos = now;
        sampled = true;
    }

    /** Whether any sample was recorded. */
    boolean hasSample() {
        return sampled;
    }

    /** The most recent sample; meaningful only if {@link #hasSample()}. */
    long lastNanos() {
        return lastNanos;
    }

    /** The current mask, for tests. */
    int mask() {
        return mask;
    }

    /** Forgets every sample. */
    void clear() {
        sampled = false;
        mask = 0;
    }
}
