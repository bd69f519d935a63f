package dev.reliability.circuitbreaker;

/**
 * A lock-free sliding window of call outcomes for failure-rate mode. Recording and reading never block; the counts
 * may lag concurrent recordings by the calls in flight but are never negative.
 */
abstract class SlidingWindow {
    /** Outcome bit: the call failed. */
    static final int FAILURE = 1;
    /** Outcome bit: the call was slow. */
    static final int SLOW = 2;

    /**
     * Records one call.
     *
     * @param nowNanos the current monotonic time; read only by time-based windows
     * @param outcome a combination of {@link #FAILURE} and {@link #SLOW}, or 0 for a fast success
     * @return for a count window, the recording's position among all of the window's recordings, from 1; 0 for a time
     *     window
     */
    abstract long record(long nowNanos, int outcome);

    /** The calls in the window. */
    abstract long calls(long nowNanos);

    /** The failed calls in the window. */
    abstract long failures(long nowNanos);

    /** The slow calls in the window. */
    abstract long slowCalls(long nowNanos);

    /** Whether a time-based window, which needs the current time to record and read. */
    abstract boolean needsTime();

    /** The rate of calls with the given count in percent, or -1 when the window holds fewer than minimumCalls. */
    static double rate(long count, long calls, int minimumCalls) {
        if (calls < minimumCalls || calls == 0) {
            return -1.0;
        }
        return Math.min(100.0, count * 100.0 / calls);
    }

    static SlidingWindow create(CircuitBreakerConfig config, long nowNanos) {
        if (config.countWindowSize() > 0) {
            return new CountWindow(config.countWindowSize());
        }
        return new TimeWindow(config.timeWindow().toNanos(), CircuitBreakerConfig.TIME_WINDOW_BUCKETS, nowNanos);
    }
}
