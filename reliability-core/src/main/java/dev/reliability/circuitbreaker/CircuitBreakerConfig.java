package dev.reliability.circuitbreaker;

import static dev.reliability.internal.Preconditions.checkArgument;
import static dev.reliability.internal.Preconditions.checkAtLeast;
import static dev.reliability.internal.Preconditions.checkNotNull;
import static dev.reliability.internal.Preconditions.checkPositive;
import static dev.reliability.internal.Preconditions.checkRange;

import dev.reliability.internal.Preconditions;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What a {@link CircuitBreaker} counts and when it opens: an immutable, validated value built with {@link #builder()}.
 *
 * <p>By default a breaker opens after {@link #failureThreshold()} consecutive failures. When a sliding window is
 * configured ({@link Builder#countBasedWindow} or {@link Builder#timeBasedWindow}), the failure rate over the window
 * decides instead: the breaker opens when, with at least {@link #minimumCalls()} calls in the window, the failure rate
 * reaches {@link #failureRateThreshold()} or the slow-call rate reaches {@link #slowCallRateThreshold()}.
 *
 * <p>Configs describe <em>what</em>; the {@code Registry} supplies the time source and listeners. Two configs are equal
 * when every value is equal; predicates compare by identity. Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * CircuitBreakerConfig config = CircuitBreakerConfig.builder()
 *     .failureThreshold(3)
 *     .openDuration(Duration.ofSeconds(30))
 *     .successThreshold(2)
 *     .build();
 * }</pre>
 */
public final class CircuitBreakerConfig {

    /** The default number of consecutive failures that opens a breaker: {@value}. */
    public static final int DEFAULT_FAILURE_THRESHOLD = 5;
    /** The default number of half-open successes that closes a breaker: {@value}. */
    public static final int DEFAULT_SUCCESS_THRESHOLD = 1;
    /** The default time a breaker stays open: 60 seconds. */
    public static final Duration DEFAULT_OPEN_DURATION = Duration.ofSeconds(60);
    /** The default factor applied to the open duration on each reopen: {@value}, so the duration does not grow. */
    public static final double DEFAULT_OPEN_DURATION_MULTIPLIER = 1.0;
    /** The default time after which half-open permits that made no progress are reclaimed: 60 seconds. */
    public static final Duration DEFAULT_MAX_WAIT_IN_HALF_OPEN = Duration.ofSeconds(60);
    /** The default number of calls a sliding window must hold before its rates count: {@value}. */
    public static final int DEFAULT_MINIMUM_CALLS = 10;
    /** The default failure rate, in percent, that opens a breaker in failure-rate mode: {@value}. */
    public static final double DEFAULT_FAILURE_RATE_THRESHOLD = 50.0;
    /** The default slow-call rate, in percent, that opens a breaker when slow calls are configured: {@value}. */
    public static final double DEFAULT_SLOW_CALL_RATE_THRESHOLD = 100.0;
    /** The number of buckets a time-based window is divided into: {@value}. */
    public static final int TIME_WINDOW_BUCKETS = 10;

    /** The largest half-open permit count and count-based window size: {@value}. */
    static final int MAX_COUNT = 1 << 20;

    private static final Predicate<Throwable> RECORD_ALL = new Named<>("all throwables", t -> true);
    private static final Predicate<Object> RECORD_NO_RESULT = new Named<>("no results", r -> false);

    private static final CircuitBreakerConfig DEFAULTS = new Builder().build();

    private final int failureThreshold;
    private final int successThreshold;
    private final int halfOpenPermits;
    private final int halfOpenPermitsSetting; // 0 when derived, kept for toBuilder()
    private final Duration openDuration;
    private final double openDurationMultiplier;
    private final Duration maxOpenDuration;
    private final Duration maxOpenDurationSetting; // null when derived, kept for toBuilder()
    private final Duration maxWaitInHalfOpen;
    private final int countWindowSize;
    private final Duration timeWindow;
    private final int minimumCalls;
    private final double failureRateThreshold;
    private final Duration slowCallDuration;
    private final double slowCallRateThreshold;
    private final Predicate<Throwable> recordOn;
    private final Set<Class<? extends Throwable>> ignored;
    private final Predicate<Object> recordResult;

    private CircuitBreakerConfig(Builder b) {
        this.failureThreshold = b.failureThreshold;
        this.successThreshold = b.successThreshold;
        this.halfOpenPermits = b.halfOpenPermits > 0 ? b.halfOpenPermits : b.successThreshold;
        this.halfOpenPermitsSetting = b.halfOpenPermits;
        this.openDuration = b.openDuration;
        this.openDurationMultiplier = b.openDurationMultiplier;
        this.maxOpenDuration = b.maxOpenDuration != null
                ? b.maxOpenDuration
                : (b.openDurationMultiplier > 1.0 ? Preconditions.MAX_DURATION : b.openDuration);
        this.maxOpenDurationSetting = b.maxOpenDuration;
        this.maxWaitInHalfOpen = b.maxWaitInHalfOpen;
        this.countWindowSize = b.countWindowSize;
        this.timeWindow = b.timeWindow;
        this.minimumCalls = b.minimumCalls;
        this.failureRateThreshold = b.failureRateThreshold;
        this.slowCallDuration = b.slowCallDuration;
        this.slowCallRateThreshold = b.slowCallRateThreshold;
        this.recordOn = b.recordOn;
        this.ignored = Set.copyOf(b.ignored);
        this.recordResult = b.recordResult;
    }

    /**
     * Returns a new builder with every value at its default.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the config with every value at its default.
     *
     * @return the default config
     */
    public static CircuitBreakerConfig ofDefaults() {
        return DEFAULTS;
    }

    /**
     * Returns a new builder holding this config's values.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Returns the number of consecutive failures that opens the breaker when no sliding window is configured.
     *
     * @return at least 1
     */
    public int failureThreshold() {
        return failureThreshold;
    }

    /**
     * Returns the number of half-open successes that closes the breaker.
     *
     * @return at least 1
     */
    public int successThreshold() {
        return successThreshold;
    }

    /**
     * Returns the most trial calls admitted at once in half-open.
     *
     * @return at least 1
     */
    public int halfOpenPermits() {
        return halfOpenPermits;
    }

    /**
     * Returns how long the breaker stays open the first time it opens.
     *
     * @return a positive duration
     */
    public Duration openDuration() {
        return openDuration;
    }

    /**
     * Returns the factor applied to the open duration each time the breaker reopens from half-open.
     *
     * @return at least 1; 1 means the open duration never grows
     */
    public double openDurationMultiplier() {
        return openDurationMultiplier;
    }

    /**
     * Returns the upper bound of a growing open duration.
     *
     * @return a duration at least {@link #openDuration()}
     */
    public Duration maxOpenDuration() {
        return maxOpenDuration;
    }

    /**
     * Returns how long half-open may go without progress while all its permits are taken before the permits are
     * reclaimed.
     *
     * @return a positive duration
     */
    public Duration maxWaitInHalfOpen() {
        return maxWaitInHalfOpen;
    }

    /**
     * Returns the size of the count-based sliding window, in calls.
     *
     * @return the window size, or 0 when no count-based window is configured
     */
    public int countWindowSize() {
        return countWindowSize;
    }

    /**
     * Returns the length of the time-based sliding window.
     *
     * @return the window length, or {@link Duration#ZERO} when no time-based window is configured
     */
    public Duration timeWindow() {
        return timeWindow;
    }

    /**
     * Returns whether a sliding window is configured, so the breaker runs in failure-rate mode.
     *
     * @return true in failure-rate mode, false in consecutive-failure mode
     */
    public boolean hasWindow() {
        return countWindowSize > 0 || !timeWindow.isZero();
    }

    /**
     * Returns how many calls the window must hold before its rates are evaluated. A count-based window smaller than this
     * uses its size instead.
     *
     * @return at least 1
     */
    public int minimumCalls() {
        return minimumCalls;
    }

    /**
     * Returns the failure rate, in percent, that opens the breaker in failure-rate mode.
     *
     * @return a value in (0, 100]
     */
    public double failureRateThreshold() {
        return failureRateThreshold;
    }

    /**
     * Returns the duration from which a call counts as slow.
     *
     * @return a positive duration, or {@link Duration#ZERO} when slow calls are not tracked
     */
    public Duration slowCallDuration() {
        return slowCallDuration;
    }

    /**
     * Returns the slow-call rate, in percent, that opens the breaker when slow calls are tracked.
     *
     * @return a value in (0, 100]
     */
    public double slowCallRateThreshold() {
        return slowCallRateThreshold;
    }

    /**
     * Returns the predicate that decides whether a thrown failure counts as a failure; one it rejects counts as a
     * success.
     *
     * @return the predicate
     */
    public Predicate<Throwable> recordOn() {
        return recordOn;
    }

    /**
     * Returns the failure types that count as neither success nor failure.
     *
     * @return an unmodifiable set
     */
    public Set<Class<? extends Throwable>> ignored() {
        return ignored;
    }

    /**
     * Returns the predicate that decides whether a returned value counts as a failure.
     *
     * @return the predicate
     */
    public Predicate<Object> recordResult() {
        return recordResult;
    }

    /** Whether a failure of this type is ignored: neither success nor failure. */
    boolean isIgnored(Throwable failure) {
        if (ignored.isEmpty()) {
            return false;
        }
        for (Class<? extends Throwable> type : ignored) {
            if (type.isInstance(failure)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof CircuitBreakerConfig that)) {
            return false;
        }
        return failureThreshold == that.failureThreshold
                && successThreshold == that.successThreshold
                && halfOpenPermits == that.halfOpenPermits
                && openDuration.equals(that.openDuration)
                && Double.compare(openDurationMultiplier, that.openDurationMultiplier) == 0
                && maxOpenDuration.equals(that.maxOpenDuration)
                && maxWaitInHalfOpen.equals(that.maxWaitInHalfOpen)
                && countWindowSize == that.countWindowSize
                && timeWindow.equals(that.timeWindow)
                && minimumCalls == that.minimumCalls
                && Double.compare(failureRateThreshold, that.failureRateThreshold) == 0
                && slowCallDuration.equals(that.slowCallDuration)
                && Double.compare(slowCallRateThreshold, that.slowCallRateThreshold) == 0
                && recordOn == that.recordOn
                && ignored.equals(that.ignored)
                && recordResult == that.recordResult;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                failureThreshold,
                successThreshold,
                halfOpenPermits,
                openDuration,
                openDurationMultiplier,
                maxOpenDuration,
                maxWaitInHalfOpen,
                countWindowSize,
                timeWindow,
                minimumCalls,
                failureRateThreshold,
                slowCallDuration,
                slowCallRateThreshold,
                System.identityHashCode(recordOn),
                ignored,
                System.identityHashCode(recordResult));
    }

    @Override
    public String toString() {
        return "CircuitBreakerConfig[failureThreshold=" + failureThreshold
                + ", successThreshold=" + successThreshold
                + ", halfOpenPermits=" + halfOpenPermits
                + ", openDuration=" + openDuration
                + ", openDurationMultiplier=" + openDurationMultiplier
                + ", maxOpenDuration=" + maxOpenDuration
                + ", maxWaitInHalfOpen=" + maxWaitInHalfOpen
                + ", countWindowSize=" + countWindowSize
                + ", timeWindow=" + timeWindow
                + ", minimumCalls=" + minimumCalls
                + ", failureRateThreshold=" + failureRateThreshold
                + ", slowCallDuration=" + slowCallDuration
                + ", slowCallRateThreshold=" + slowCallRateThreshold
                + ", recordOn=" + recordOn
                + ", ignored=" + ignored.stream().map(Class::getName).sorted().toList()
                + ", recordResult=" + recordResult
                + "]";
    }

    /** A predicate with a readable {@code toString}, for the defaults. */
    private static final class Named<T> implements Predicate<T> {
        private final String name;
        private final Predicate<T> delegate;

        Named(String name, Predicate<T> delegate) {
            this.name = name;
            this.delegate = delegate;
        }

        @Override
        public boolean test(T value) {
            return delegate.test(value);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * Builds a {@link CircuitBreakerConfig}. Setters validate their argument at once; {@link #build()} checks values
     * that depend on each other. The last call of a setter wins. Not thread-safe.
     */
    public static final class Builder {
        private int failureThreshold = DEFAULT_FAILURE_THRESHOLD;
        private int successThreshold = DEFAULT_SUCCESS_THRESHOLD;
        private int halfOpenPermits; // 0: same as successThreshold
        private Duration openDuration = DEFAULT_OPEN_DURATION;
        private double openDurationMultiplier = DEFAULT_OPEN_DURATION_MULTIPLIER;
        private Duration maxOpenDuration; // null: derived in the config's constructor
        private Duration maxWaitInHalfOpen = DEFAULT_MAX_WAIT_IN_HALF_OPEN;
        private int countWindowSize;
        private Duration timeWindow = Duration.ZERO;
        private int minimumCalls = DEFAULT_MINIMUM_CALLS;
        private double failureRateThreshold = DEFAULT_FAILURE_RATE_THRESHOLD;
        private Duration slowCallDuration = Duration.ZERO;
        private double slowCallRateThreshold = DEFAULT_SLOW_CALL_RATE_THRESHOLD;
        private Predicate<Throwable> recordOn = RECORD_ALL;
        private Set<Class<? extends Throwable>> ignored = Set.of();
        private Predicate<Object> recordResult = RECORD_NO_RESULT;

        private Builder() {}

        private Builder(CircuitBreakerConfig c) {
            failureThreshold = c.failureThreshold;
            successThreshold = c.successThreshold;
            halfOpenPermits = c.halfOpenPermitsSetting;
            openDuration = c.openDuration;
            openDurationMultiplier = c.openDurationMultiplier;
            maxOpenDuration = c.maxOpenDurationSetting;
            maxWaitInHalfOpen = c.maxWaitInHalfOpen;
            countWindowSize = c.countWindowSize;
            timeWindow = c.timeWindow;
            minimumCalls = c.minimumCalls;
            failureRateThreshold = c.failureRateThreshold;
            slowCallDuration = c.slowCallDuration;
            slowCallRateThreshold = c.slowCallRateThreshold;
            recordOn = c.recordOn;
            ignored = c.ignored;
            recordResult = c.recordResult;
        }

        /**
         * Sets how many consecutive failures open the breaker in consecutive-failure mode. Default {@value
         * #DEFAULT_FAILURE_THRESHOLD}.
         *
         * @param failureThreshold a count, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code failureThreshold < 1}
         */
        public Builder failureThreshold(int failureThreshold) {
            this.failureThreshold = checkAtLeast(failureThreshold, 1, "failureThreshold");
            return this;
        }

        /**
         * Sets how many half-open successes close the breaker. Default {@value #DEFAULT_SUCCESS_THRESHOLD}.
         *
         * @param successThreshold a count, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code successThreshold < 1}
         */
        public Builder successThreshold(int successThreshold) {
            this.successThreshold = checkAtLeast(successThreshold, 1, "successThreshold");
            return this;
        }

        /**
         * Sets how many trial calls half-open admits at once. Default: the success threshold.
         *
         * @param halfOpenPermits a count in [1, 1048576]
         * @return this builder
         * @throws IllegalArgumentException if {@code halfOpenPermits} is out of range
         */
        public Builder halfOpenPermits(int halfOpenPermits) {
            checkAtLeast(halfOpenPermits, 1, "halfOpenPermits");
            checkArgument(
                    halfOpenPermits <= MAX_COUNT, "halfOpenPermits must be <= %d, was %d", MAX_COUNT, halfOpenPermits);
            this.halfOpenPermits = halfOpenPermits;
            return this;
        }

        /**
         * Sets how long the breaker stays open before it admits trial calls. Default 60 seconds.
         *
         * @param openDuration a positive duration
         * @return this builder
         * @throws NullPointerException if {@code openDuration} is null
         * @throws IllegalArgumentException if {@code openDuration} is not positive
         */
        public Builder openDuration(Duration openDuration) {
            this.openDuration = checkPositive(openDuration, "openDuration");
            return this;
        }

        /**
         * Sets the factor applied to the open duration each time half-open fails and the breaker reopens; the duration
         * returns to {@link #openDuration} once the breaker closes. Default {@value #DEFAULT_OPEN_DURATION_MULTIPLIER}
         * (no growth).
         *
         * @param multiplier a finite factor, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code multiplier} is below 1 or not finite
         */
        public Builder openDurationMultiplier(double multiplier) {
            this.openDurationMultiplier = Preconditions.checkAtLeast(multiplier, 1.0, "openDurationMultiplier");
            return this;
        }

        /**
         * Sets the upper bound of a growing open duration. Default: unbounded when a multiplier above 1 is set,
         * otherwise the open duration.
         *
         * @param maxOpenDuration a positive duration, at least the open duration (checked by {@link #build()})
         * @return this builder
         * @throws NullPointerException if {@code maxOpenDuration} is null
         * @throws IllegalArgumentException if {@code maxOpenDuration} is not positive
         */
        public Builder maxOpenDuration(Duration maxOpenDuration) {
            this.maxOpenDuration = checkPositive(maxOpenDuration, "maxOpenDuration");
            return this;
        }

        /**
         * Sets how long half-open may go without progress (no permit taken or completed) while all its permits are
         * taken; after that the permits are reclaimed and the outcomes of the calls holding them are ignored, so a
         * probe that never completes cannot wedge the breaker. Default 60 seconds.
         *
         * @param maxWaitInHalfOpen a positive duration
         * @return this builder
         * @throws NullPointerException if {@code maxWaitInHalfOpen} is null
         * @throws IllegalArgumentException if {@code maxWaitInHalfOpen} is not positive
         */
        public Builder maxWaitInHalfOpen(Duration maxWaitInHalfOpen) {
            this.maxWaitInHalfOpen = checkPositive(maxWaitInHalfOpen, "maxWaitInHalfOpen");
            return this;
        }

        /**
         * Switches to failure-rate mode over the last {@code size} calls. Replaces a time-based window. Default: no
         * window (consecutive-failure mode).
         *
         * @param size the number of calls in the window, in [1, 1048576]
         * @return this builder
         * @throws IllegalArgumentException if {@code size} is out of range
         */
        public Builder countBasedWindow(int size) {
            checkAtLeast(size, 1, "countBasedWindow");
            checkArgument(size <= MAX_COUNT, "countBasedWindow must be <= %d, was %d", MAX_COUNT, size);
            this.countWindowSize = size;
            this.timeWindow = Duration.ZERO;
            return this;
        }

        /**
         * Switches to failure-rate mode over the calls completed in the last {@code window}, kept in {@value
         * #TIME_WINDOW_BUCKETS} buckets. Replaces a count-based window. Default: no window. A time-based window reads
         * the clock on every recorded call.
         *
         * @param window the window length, at least {@value #TIME_WINDOW_BUCKETS} nanoseconds
         * @return this builder
         * @throws NullPointerException if {@code window} is null
         * @throws IllegalArgumentException if {@code window} is too short
         */
        public Builder timeBasedWindow(Duration window) {
            checkPositive(window, "timeBasedWindow");
            checkArgument(
                    window.toNanos() >= TIME_WINDOW_BUCKETS,
                    "timeBasedWindow must be >= %dns, was %s",
                    TIME_WINDOW_BUCKETS,
                    window);
            this.timeWindow = window;
            this.countWindowSize = 0;
            return this;
        }

        /**
         * Sets how many calls the window must hold before its rates are evaluated. Default {@value
         * #DEFAULT_MINIMUM_CALLS}.
         *
         * @param minimumCalls a count, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code minimumCalls < 1}
         */
        public Builder minimumCalls(int minimumCalls) {
            this.minimumCalls = checkAtLeast(minimumCalls, 1, "minimumCalls");
            return this;
        }

        /**
         * Sets the failure rate, in percent, at or above which the breaker opens in failure-rate mode. Default {@value
         * #DEFAULT_FAILURE_RATE_THRESHOLD}.
         *
         * @param percent a rate in (0, 100]
         * @return this builder
         * @throws IllegalArgumentException if {@code percent} is out of range
         */
        public Builder failureRateThreshold(double percent) {
            this.failureRateThreshold = checkPercent(percent, "failureRateThreshold");
            return this;
        }

        /**
         * Sets the duration from which a call counts as slow. Slow calls need a sliding window. Default: slow calls are
         * not tracked.
         *
         * <p>Resolution: with {@code TimeSource.system()} and a duration of 10 ms or more, {@code execute} and {@code
         * run} measure calls on a coarse clock that a daemon thread advances every millisecond (it parks when no call
         * has read the clock for a second or two, and the next call wakes it), so a call's measured
         * duration may differ from the real one by about a millisecond either way (more when that thread is starved of
         * CPU), at the cost of two field reads per call. Shorter durations, and any other time source, read the clock
         * at the start and end of each call. Durations passed to {@code onSuccess}/{@code onError} are used as given.
         *
         * @param slowCallDuration a positive duration
         * @return this builder
         * @throws NullPointerException if {@code slowCallDuration} is null
         * @throws IllegalArgumentException if {@code slowCallDuration} is not positive
         */
        public Builder slowCallDuration(Duration slowCallDuration) {
            this.slowCallDuration = checkPositive(slowCallDuration, "slowCallDuration");
            return this;
        }

        /**
         * Sets the slow-call rate, in percent, at or above which the breaker opens. Default {@value
         * #DEFAULT_SLOW_CALL_RATE_THRESHOLD}.
         *
         * @param percent a rate in (0, 100]
         * @return this builder
         * @throws IllegalArgumentException if {@code percent} is out of range
         */
        public Builder slowCallRateThreshold(double percent) {
            this.slowCallRateThreshold = checkPercent(percent, "slowCallRateThreshold");
            return this;
        }

        /**
         * Sets which thrown failures count as failures; a failure the predicate rejects counts as a success. Ignored
         * types ({@link #ignore}) are checked first. Default: every throwable counts.
         *
         * @param predicate the predicate, which must be fast and must not throw
         * @return this builder
         * @throws NullPointerException if {@code predicate} is null
         */
        public Builder recordOn(Predicate<Throwable> predicate) {
            this.recordOn = checkNotNull(predicate, "predicate");
            return this;
        }

        /**
         * Sets the failure types (and their subtypes) that count as neither success nor failure; the call's permit is
         * released. Replaces earlier types. Default: none.
         *
         * @param types the types to ignore
         * @return this builder
         * @throws NullPointerException if {@code types} or one of its elements is null
         */
        @SafeVarargs
        public final Builder ignore(Class<? extends Throwable>... types) {
            checkNotNull(types, "types");
            Set<Class<? extends Throwable>> copy = new LinkedHashSet<>();
            for (Class<? extends Throwable> type : types) {
                copy.add(checkNotNull(type, "types element"));
            }
            this.ignored = copy;
            return this;
        }

        /**
         * Sets which returned values count as failures, for example {@code r -> r == null}. Default: no value does.
         *
         * @param predicate the predicate, which receives null results too, must be fast and must not throw
         * @return this builder
         * @throws NullPointerException if {@code predicate} is null
         */
        public Builder recordResult(Predicate<Object> predicate) {
            this.recordResult = checkNotNull(predicate, "predicate");
            return this;
        }

        /**
         * Builds the config.
         *
         * @return a new immutable config
         * @throws IllegalArgumentException if {@code maxOpenDuration} is below {@code openDuration}, or slow calls are
         *     configured without a sliding window
         */
        public CircuitBreakerConfig build() {
            checkArgument(
                    maxOpenDuration == null || maxOpenDuration.compareTo(openDuration) >= 0,
                    "maxOpenDuration must be >= openDuration (%s), was %s",
                    openDuration,
                    maxOpenDuration);
            checkArgument(
                    slowCallDuration.isZero() || countWindowSize > 0 || !timeWindow.isZero(),
                    "slowCallDuration needs a sliding window (countBasedWindow or timeBasedWindow), was %s",
                    slowCallDuration);
            return new CircuitBreakerConfig(this);
        }

        private static double checkPercent(double percent, String name) {
            checkRange(percent, 0.0, 100.0, name);
            checkArgument(percent > 0.0, "%s must be > 0, was 0", name);
            return percent;
        }
    }
}
