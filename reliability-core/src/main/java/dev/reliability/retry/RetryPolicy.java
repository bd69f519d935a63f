package dev.reliability.retry;

import static dev.reliability.internal.Preconditions.checkAtLeast;
import static dev.reliability.internal.Preconditions.checkNotNull;
import static dev.reliability.internal.Preconditions.checkPositive;

import dev.reliability.NonRetryable;
import dev.reliability.Retryable;
import dev.reliability.backoff.Backoff;
import dev.reliability.backoff.Jitter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * When to retry and how long to wait: an immutable description, built with {@link #builder()}.
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.builder()
 *     .maxAttempts(5)
 *     .backoff(Backoff.exponential(Duration.ofMillis(500), 2.0).withMaxDelay(Duration.ofSeconds(10)))
 *     .retryOn(IOException.class)
 *     .build();
 * }</pre>
 *
 * <p>Which failures are retried, in order of precedence:
 *
 * <ol>
 *   <li>a failure matching {@link Builder#abortOn} is not retried;
 *   <li>a {@link NonRetryable} failure is not retried, unless {@link Builder#retryOn} names a type that is itself
 *       {@code NonRetryable} and matches it (so a rejection by an open circuit breaker can be retried on request);
 *   <li>a {@link Retryable} failure is retried;
 *   <li>if {@code retryOn} or {@code retryIf} was set, a failure is retried when one of them matches;
 *   <li>otherwise any {@link Exception} is retried and an {@link Error} is not.
 * </ol>
 *
 * <p>Immutable and thread-safe, provided the predicates and functions given to it are.
 */
public final class RetryPolicy {
    /** Default for {@link Builder#maxAttempts}: 3 calls in all. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** Default first delay of the default backoff: 1 second. */
    public static final Duration DEFAULT_INITIAL_DELAY = Duration.ofSeconds(1);
    /** Default growth of the default backoff: 2. */
    public static final double DEFAULT_MULTIPLIER = 2.0;
    /** Default cap of the default backoff: 30 seconds. */
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(30);
    /** Default for {@link Builder#backoff}: exponential from 1 s, ×2, capped at 30 s, with equal jitter. */
    public static final Backoff DEFAULT_BACKOFF = Backoff.exponential(DEFAULT_INITIAL_DELAY, DEFAULT_MULTIPLIER)
            .withMaxDelay(DEFAULT_MAX_DELAY)
            .withJitter(Jitter.EQUAL);

    private static final RetryPolicy DEFAULTS = new Builder().build();

    private final int maxAttempts;
    private final Backoff backoff;
    private final List<Class<? extends Throwable>> retryOn;
    private final Predicate<Throwable> retryIf;
    private final List<Class<? extends Throwable>> abortOn;
    private final Predicate<Object> retryOnResult;
    private final Duration maxDuration;
    private final Function<Throwable, Optional<Duration>> delayFrom;
    private final RetryBudget budget;
    private final List<RetryListener> listeners;
    // Derived once, so the hot path tests plain fields. hasBudget also keeps the hot path from calling a method whose
    // signature names RetryBudget: C2 will not inline such a call while that class is unloaded, as it is without a
    // budget.
    private final boolean hasBudget;
    private final long maxDurationNanos;
    private final RetryListener[] listenerArray;

    private RetryPolicy(Builder builder) {
        this.maxAttempts = builder.maxAttempts;
        this.backoff = builder.backoff;
        this.retryOn = List.copyOf(builder.retryOn);
        this.retryIf = builder.retryIf;
        this.abortOn = List.copyOf(builder.abortOn);
        this.retryOnResult = builder.retryOnResult;
        this.maxDuration = builder.maxDuration;
        this.delayFrom = builder.delayFrom;
        this.budget = builder.budget;
        this.listeners = List.copyOf(builder.listeners);
        this.hasBudget = budget != null;
        this.maxDurationNanos = maxDuration == null ? 0 : maxDuration.toNanos();
        this.listenerArray = listeners.toArray(new RetryListener[0]);
    }

    /**
     * Returns a builder holding the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the default policy: 3 attempts, exponential backoff from 1 s, ×2, capped at 30 s, with equal jitter;
     * every {@link Exception} retried.
     *
     * @return the default policy
     */
    public static RetryPolicy ofDefaults() {
        return DEFAULTS;
    }

    /**
     * Returns a builder holding this policy's settings.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Returns the total number of calls allowed, the first included.
     *
     * @return the maximum attempts
     */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * Returns the backoff between attempts.
     *
     * @return the backoff
     */
    public Backoff backoff() {
        return backoff;
    }

    /**
     * Returns the deadline over all attempts and waits, if one is set.
     *
     * @return the maximum duration
     */
    public Optional<Duration> maxDuration() {
        return Optional.ofNullable(maxDuration);
    }

    /**
     * Returns the shared retry budget, if one is set.
     *
     * @return the budget
     */
    public Optional<RetryBudget> budget() {
        return Optional.ofNullable(budget);
    }

    /**
     * Returns the listeners, in registration order.
     *
     * @return an immutable list
     */
    public List<RetryListener> listeners() {
        return listeners;
    }

    /**
     * Returns whether a failure is retried under this policy, by the precedence described in the class comment.
     *
     * @param failure the failure
     * @return whether another attempt may follow it
     * @throws NullPointerException if {@code failure} is null
     */
    public boolean isRetryable(Throwable failure) {
        checkNotNull(failure, "failure");
        if (matches(abortOn, failure)) {
            return false;
        }
        if (failure instanceof NonRetryable) {
            return retryOn.stream()
                    .anyMatch(type -> NonRetryable.class.isAssignableFrom(type) && type.isInstance(failure));
        }
        if (failure instanceof Retryable) {
            return true;
        }
        if (retryOn.isEmpty() && retryIf == null) {
            return failure instanceof Exception;
        }
        return matches(retryOn, failure) || (retryIf != null && retryIf.test(failure));
    }

    /**
     * Returns whether a returned value counts as a failure to retry.
     *
     * @param result the value, possibly null
     * @return whether {@code retryOnResult} is set and matches it
     */
    public boolean isRetryableResult(Object result) {
        return retryOnResult != null && retryOnResult.test(result);
    }

    boolean checksResults() {
        return retryOnResult != null;
    }

    long maxDurationNanos() {
        return maxDurationNanos;
    }

    RetryListener[] listenerArray() {
        return listenerArray;
    }

    boolean hasBudget() {
        return hasBudget;
    }

    RetryBudget budgetOrNull() {
        return budget;
    }

    /** The server's requested delay for a failure, if {@code delayFrom} is set and answers. */
    Duration pushback(Throwable failure) {
        if (delayFrom == null || failure == null) {
            return null;
        }
        Optional<Duration> delay = delayFrom.apply(failure);
        if (delay == null || delay.isEmpty()) {
            return null;
        }
        Duration requested = delay.get();
        return requested.isNegative() ? Duration.ZERO : requested;
    }

    private static boolean matches(List<Class<? extends Throwable>> types, Throwable failure) {
        for (Class<? extends Throwable> type : types) {
            if (type.isInstance(failure)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RetryPolicy that
                && maxAttempts == that.maxAttempts
                && backoff.equals(that.backoff)
                && retryOn.equals(that.retryOn)
                && Objects.equals(retryIf, that.retryIf)
                && abortOn.equals(that.abortOn)
                && Objects.equals(retryOnResult, that.retryOnResult)
                && Objects.equals(maxDuration, that.maxDuration)
                && Objects.equals(delayFrom, that.delayFrom)
                && Objects.equals(budget, that.budget)
                && listeners.equals(that.listeners);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                maxAttempts,
                backoff,
                retryOn,
                retryIf,
                abortOn,
                retryOnResult,
                maxDuration,
                delayFrom,
                budget,
                listeners);
    }

    @Override
    public String toString() {
        return "RetryPolicy[maxAttempts=" + maxAttempts
                + ", backoff=" + backoff
                + ", retryOn=" + retryOn
                + ", retryIf=" + retryIf
                + ", abortOn=" + abortOn
                + ", retryOnResult=" + retryOnResult
                + ", maxDuration=" + maxDuration
                + ", delayFrom=" + delayFrom
                + ", budget=" + budget
                + ", listeners=" + listeners
                + "]";
    }

    /**
     * Builds a {@link RetryPolicy}. Each setter checks its argument at once; the last call of a setter wins, except
     * {@link #listener}, which adds. Not thread-safe; {@link #build()} returns an independent immutable snapshot.
     */
    public static final class Builder {
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Backoff backoff = DEFAULT_BACKOFF;
        private List<Class<? extends Throwable>> retryOn = List.of();
        private Predicate<Throwable> retryIf;
        private List<Class<? extends Throwable>> abortOn = List.of();
        private Predicate<Object> retryOnResult;
        private Duration maxDuration;
        private Function<Throwable, Optional<Duration>> delayFrom;
        private RetryBudget budget;
        private final List<RetryListener> listeners = new ArrayList<>();

        private Builder() {}

        private Builder(RetryPolicy policy) {
            this.maxAttempts = policy.maxAttempts;
            this.backoff = policy.backoff;
            this.retryOn = policy.retryOn;
            this.retryIf = policy.retryIf;
            this.abortOn = policy.abortOn;
            this.retryOnResult = policy.retryOnResult;
            this.maxDuration = policy.maxDuration;
            this.delayFrom = policy.delayFrom;
            this.budget = policy.budget;
            this.listeners.addAll(policy.listeners);
        }

        /**
         * Sets the total number of calls, the first included; 1 means no retry. Default 3.
         *
         * @param maxAttempts the number of calls, {@code >= 1}
         * @return this builder
         * @throws IllegalArgumentException if {@code maxAttempts < 1}
         */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = checkAtLeast(maxAttempts, 1, "maxAttempts");
            return this;
        }

        /**
         * Sets the wait between attempts. Default {@link #DEFAULT_BACKOFF}: exponential from 1 s, ×2, capped at 30 s,
         * with equal jitter.
         *
         * @param backoff the backoff
         * @return this builder
         * @throws NullPointerException if {@code backoff} is null
         */
        public Builder backoff(Backoff backoff) {
            this.backoff = checkNotNull(backoff, "backoff");
            return this;
        }

        /**
         * Retries only failures of these types (and their subtypes), plus those {@link #retryIf} accepts. Default:
         * every {@link Exception}.
         *
         * @param types the failure types
         * @return this builder
         * @throws NullPointerException if {@code types} or one of them is null
         * @throws IllegalArgumentException if {@code types} is empty
         */
        @SafeVarargs
        @SuppressWarnings("varargs") // the array is only copied into an immutable list
        public final Builder retryOn(Class<? extends Throwable>... types) {
            this.retryOn = typeList(types, "retryOn");
            return this;
        }

        /**
         * Retries failures this predicate accepts, plus those of the {@link #retryOn} types.
         *
         * @param predicate decides whether a failure is retried
         * @return this builder
         * @throws NullPointerException if {@code predicate} is null
         */
        public Builder retryIf(Predicate<Throwable> predicate) {
            this.retryIf = checkNotNull(predicate, "predicate");
            return this;
        }

        /**
         * Never retries failures of these types (and their subtypes), whatever else matches.
         *
         * @param types the failure types
         * @return this builder
         * @throws NullPointerException if {@code types} or one of them is null
         * @throws IllegalArgumentException if {@code types} is empty
         */
        @SafeVarargs
        @SuppressWarnings("varargs") // the array is only copied into an immutable list
        public final Builder abortOn(Class<? extends Throwable>... types) {
            this.abortOn = typeList(types, "abortOn");
            return this;
        }

        /**
         * Treats a returned value as a failure to retry when the predicate accepts it. When attempts run out on such a
         * value, the call returns the last value.
         *
         * @param predicate decides whether a result is retried; receives null results too
         * @return this builder
         * @throws NullPointerException if {@code predicate} is null
         */
        public Builder retryOnResult(Predicate<Object> predicate) {
            this.retryOnResult = checkNotNull(predicate, "predicate");
            return this;
        }

        /**
         * Sets a deadline over all attempts and waits, measured on the time source's monotonic clock from the start of
         * the call. A wait that would end past it is not started; the call ends with its last failure. Default: none.
         *
         * @param maxDuration the deadline, {@code > 0}
         * @return this builder
         * @throws NullPointerException if {@code maxDuration} is null
         * @throws IllegalArgumentException if {@code maxDuration} is not positive or is too long
         */
        public Builder maxDuration(Duration maxDuration) {
            this.maxDuration = checkPositive(maxDuration, "maxDuration");
            return this;
        }

        /**
         * Lets a failure dictate the next wait, such as an HTTP Retry-After: when the function returns a delay, it
         * replaces the backoff's, still capped at the backoff's maximum delay and without jitter. Default: none.
         *
         * @param delayFrom returns the requested delay, or empty to use the backoff
         * @return this builder
         * @throws NullPointerException if {@code delayFrom} is null
         */
        public Builder delayFrom(Function<Throwable, Optional<Duration>> delayFrom) {
            this.delayFrom = checkNotNull(delayFrom, "delayFrom");
            return this;
        }

        /**
         * Shares a retry budget: each call deposits into it and each retry takes a token; when it is empty the call
         * ends with its last failure. Default: none.
         *
         * @param budget the budget
         * @return this builder
         * @throws NullPointerException if {@code budget} is null
         */
        public Builder budget(RetryBudget budget) {
            this.budget = checkNotNull(budget, "budget");
            return this;
        }

        /**
         * Adds a listener for the events of every {@link Retry} using this policy.
         *
         * @param listener the listener
         * @return this builder
         * @throws NullPointerException if {@code listener} is null
         */
        public Builder listener(RetryListener listener) {
            listeners.add(checkNotNull(listener, "listener"));
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return a new immutable policy
         */
        public RetryPolicy build() {
            return new RetryPolicy(this);
        }

        private static List<Class<? extends Throwable>> typeList(Class<? extends Throwable>[] types, String name) {
            checkNotNull(types, name);
            if (types.length == 0) {
                throw new IllegalArgumentException(name + " must name at least one type, was []");
            }
            for (int i = 0; i < types.length; i++) {
                checkNotNull(types[i], name + "[" + i + "]");
            }
            return List.copyOf(Arrays.asList(types));
        }
    }
}
