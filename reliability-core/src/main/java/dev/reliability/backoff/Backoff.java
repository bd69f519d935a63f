package dev.reliability.backoff;

import static dev.reliability.internal.Preconditions.checkArgument;
import static dev.reliability.internal.Preconditions.checkAtLeast;
import static dev.reliability.internal.Preconditions.checkNonNegative;
import static dev.reliability.internal.Preconditions.checkNotNull;

import dev.reliability.internal.Preconditions;
import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long to wait before each retry: a delay strategy, an optional cap applied before jitter, and a {@link Jitter}.
 *
 * <pre>{@code
 * Backoff backoff = Backoff.exponential(Duration.ofMillis(500), 2.0)
 *     .withMaxDelay(Duration.ofSeconds(10))
 *     .withJitter(Jitter.EQUAL);
 * }</pre>
 *
 * <p>Attempts are numbered from 1: {@code delay(1, ...)} is the wait after the first call failed. Every computation
 * saturates at the cap (or at {@link Preconditions#MAX_DURATION} when there is none), so huge attempt numbers or bases
 * never produce a negative or wrapped delay. The factories create backoffs without jitter.
 *
 * <p>Immutable and thread-safe. A backoff reads no clock; its only input besides the attempt is the {@link
 * RandomGenerator} passed in.
 */
public final class Backoff {

    /**
     * Computes the delay of a custom backoff.
     */
    @FunctionalInterface
    public interface DelayFunction {

        /**
         * Returns the delay before the retry that follows a failed attempt.
         *
         * @param attempt the number of the attempt that just failed, starting at 1
         * @param lastFailure that attempt's failure, or null when its result was rejected
         * @return the delay; must not be null or negative
         */
        Duration delay(int attempt, Throwable lastFailure);
    }

    private static final Backoff NONE = new Backoff(new FixedBackoff(0), Long.MAX_VALUE, Jitter.NONE);

    private final DelayStrategy strategy;
    private final long maxDelayNanos;
    private final Jitter jitter;

    private Backoff(DelayStrategy strategy, long maxDelayNanos, Jitter jitter) {
        this.strategy = strategy;
        this.maxDelayNanos = maxDelayNanos;
        this.jitter = jitter;
    }

    /**
     * Returns a backoff that never waits.
     *
     * @return the zero backoff
     */
    public static Backoff none() {
        return NONE;
    }

    /**
     * Returns a backoff that waits {@code delay} before every retry.
     *
     * @param delay the delay, {@code >= 0}
     * @return the backoff
     * @throws NullPointerException if {@code delay} is null
     * @throws IllegalArgumentException if {@code delay} is negative or beyond {@link Preconditions#MAX_DURATION}
     */
    public static Backoff fixed(Duration delay) {
        return of(new FixedBackoff(checkNonNegative(delay, "delay").toNanos()));
    }

    /**
     * Returns a backoff whose delay before retry {@code k} is {@code initial * multiplier^(k - 1)}.
     *
     * @param initial the first delay, {@code >= 0}
     * @param multiplier the growth factor, finite and {@code >= 1}
     * @return the backoff
     * @throws NullPointerException if {@code initial} is null
     * @throws IllegalArgumentException if {@code initial} is negative or too long, or {@code multiplier} is NaN,
     *     infinite or below 1
     */
    public static Backoff exponential(Duration initial, double multiplier) {
        long initialNanos = checkNonNegative(initial, "initialDelay").toNanos();
        return of(new ExponentialBackoff(initialNanos, Preconditions.checkAtLeast(multiplier, 1, "multiplier")));
    }

    /**
     * Returns a backoff whose delay before retry {@code k} is {@code initial * k}.
     *
     * @param initial the first delay and the step, {@code >= 0}
     * @return the backoff
     * @throws NullPointerException if {@code initial} is null
     * @throws IllegalArgumentException if {@code initial} is negative or too long
     */
    public static Backoff linear(Duration initial) {
        long initialNanos = checkNonNegative(initial, "initialDelay").toNanos();
        return of(new LinearBackoff(initialNanos, initialNanos));
    }

    /**
     * Returns a backoff whose delay before retry {@code k} is {@code initial + increment * (k - 1)}.
     *
     * @param initial the first delay, {@code >= 0}
     * @param increment added for each further retry, {@code >= 0}
     * @return the backoff
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if an argument is negative or too long
     */
    public static Backoff linear(Duration initial, Duration increment) {
        long initialNanos = checkNonNegative(initial, "initialDelay").toNanos();
        return of(new LinearBackoff(
                initialNanos, checkNonNegative(increment, "increment").toNanos()));
    }

    /**
     * Returns a backoff that asks {@code function} for each delay. The function's result is still capped and
     * jittered; a null or negative result fails the retry with an {@link IllegalArgumentException}.
     *
     * @param function computes the delay from the attempt number and the last failure
     * @return the backoff
     * @throws NullPointerException if {@code function} is null
     */
    public static Backoff custom(DelayFunction function) {
        return of(new CustomBackoff(checkNotNull(function, "function")));
    }

    private static Backoff of(DelayStrategy strategy) {
        return new Backoff(strategy, Long.MAX_VALUE, Jitter.NONE);
    }

    /**
     * Returns a copy whose delays are capped at {@code maxDelay} before jitter is applied.
     *
     * @param maxDelay the cap, {@code >= 0}; for the built-in strategies at least the first delay
     * @return the capped backoff
     * @throws NullPointerException if {@code maxDelay} is null
     * @throws IllegalArgumentException if {@code maxDelay} is negative, too long, or below the first delay
     */
    public Backoff withMaxDelay(Duration maxDelay) {
        long max = checkNonNegative(maxDelay, "maxDelay").toNanos();
        if (!(strategy instanceof CustomBackoff)) {
            long first = strategy.delayNanos(1, null);
            checkArgument(
                    max >= first,
                    "maxDelay must be >= the first delay (%s), was %s",
                    Duration.ofNanos(first),
                    maxDelay);
        }
        return new Backoff(strategy, max, jitter);
    }

    /**
     * Returns a copy that applies {@code jitter} to every capped delay.
     *
     * @param jitter the jitter
     * @return the jittered backoff
     * @throws NullPointerException if {@code jitter} is null
     */
    public Backoff withJitter(Jitter jitter) {
        return new Backoff(strategy, maxDelayNanos, checkNotNull(jitter, "jitter"));
    }

    /**
     * Returns the cap applied before jitter, or {@link Preconditions#MAX_DURATION} if there is none.
     *
     * @return the maximum delay
     */
    public Duration maxDelay() {
        return Duration.ofNanos(maxDelayNanos);
    }

    /**
     * Returns the jitter applied to each capped delay.
     *
     * @return the jitter
     */
    public Jitter jitter() {
        return jitter;
    }

    /**
     * Returns the delay before the retry that follows failed attempt {@code attempt}, as a pure function of its
     * arguments. For {@link Jitter#DECORRELATED}, the previous delay is taken as the capped delay of the attempt
     * before; use {@link #delay(int, Throwable, Duration, RandomGenerator)} to chain real previous delays.
     *
     * @param attempt the number of the attempt that just failed, {@code >= 1}
     * @param random the source of jitter
     * @return the delay, never negative
     * @throws NullPointerException if {@code random} is null
     * @throws IllegalArgumentException if {@code attempt < 1}, or a custom function returns a bad delay
     */
    public Duration delay(int attempt, RandomGenerator random) {
        checkAtLeast(attempt, 1, "attempt");
        long previous = jitter.isDecorrelated() ? capped(Math.max(1, attempt - 1), null) : -1;
        return Duration.ofNanos(delayNanos(attempt, null, previous, random));
    }

    /**
     * Returns the delay before the retry that follows failed attempt {@code attempt}.
     *
     * @param attempt the number of the attempt that just failed, {@code >= 1}
     * @param lastFailure that attempt's failure, or null when its result was rejected; passed to custom functions
     * @param previousDelay the delay used before the previous retry, or null before the first; used by {@link
     *     Jitter#DECORRELATED}
     * @param random the source of jitter
     * @return the delay, never negative
     * @throws NullPointerException if {@code random} is null
     * @throws IllegalArgumentException if {@code attempt < 1}, or a custom function returns a bad delay
     */
    public Duration delay(int attempt, Throwable lastFailure, Duration previousDelay, RandomGenerator random) {
        checkAtLeast(attempt, 1, "attempt");
        long previous = previousDelay == null ? -1 : Saturating.toNanos(previousDelay);
        return Duration.ofNanos(delayNanos(attempt, lastFailure, previous, random));
    }

    private long delayNanos(int attempt, Throwable lastFailure, long previous, RandomGenerator random) {
        checkNotNull(random, "random");
        long delay = capped(attempt, lastFailure);
        if (!jitter.isDecorrelated()) {
            return jitter.apply(delay, previous, delay, maxDelayNanos, random);
        }
        long base = attempt == 1 ? delay : capped(1, lastFailure);
        return jitter.apply(delay, previous < 0 ? base : previous, base, maxDelayNanos, random);
    }

    private long capped(int attempt, Throwable lastFailure) {
        return Math.min(strategy.delayNanos(attempt, lastFailure), maxDelayNanos);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Backoff that
                && strategy.equals(that.strategy)
                && maxDelayNanos == that.maxDelayNanos
                && jitter.equals(that.jitter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(strategy, maxDelayNanos, jitter);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Backoff.").append(strategy);
        if (maxDelayNanos != Long.MAX_VALUE) {
            text.append(".withMaxDelay(")
                    .append(Duration.ofNanos(maxDelayNanos))
                    .append(')');
        }
        if (!jitter.equals(Jitter.NONE)) {
            text.append(".withJitter(").append(jitter).append(')');
        }
        return text.toString();
    }
}
