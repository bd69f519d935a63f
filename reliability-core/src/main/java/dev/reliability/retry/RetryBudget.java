package dev.reliability.retry;

import static dev.reliability.internal.Preconditions.checkAtLeast;
import static dev.reliability.internal.Preconditions.checkNotNull;

import dev.reliability.TimeSource;
import dev.reliability.internal.Preconditions;
import dev.reliability.internal.SharedBudgets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A token bucket of retries shared by every {@link Retry} that uses it, in the spirit of gRPC retry throttling and
 * Finagle's RetryBudget: it bounds how much extra traffic retries may add, so a failing dependency is not hit by a
 * retry storm.
 *
 * <p>Each call (the first attempt) deposits {@code retryRatio} tokens, a floor of {@code minRetriesPerSecond} tokens
 * flows in with time, and each retry takes one whole token. The balance never exceeds {@code maxTokens} and starts
 * full. With the defaults, retries add at most 20 % to the traffic, plus 10 per second. When the bucket is empty, a
 * retry is refused and the call ends with its last failure.
 *
 * <pre>{@code
 * RetryBudget budget = RetryBudget.builder().retryRatio(0.2).minRetriesPerSecond(10).build();
 * RetryPolicy policy = RetryPolicy.builder().budget(budget).build();
 * }</pre>
 *
 * <p>Thread-safe and lock-free. The floor is refilled from the budget's {@link TimeSource} monotonic clock, read only
 * when a retry is requested or the balance is read.
 *
 * <p><b>Shared by a cluster.</b> A budget obtained from {@code Registry.retryBudget(name, template)} on a registry with
 * a state store is one bucket for every JVM on the store. Each JVM spends from its view of the shared balance and
 * keeps its own deposits and retries; once per sync interval the registry's sync worker (never the caller's thread)
 * flushes their net sum to the store, where the floor is refilled once for the whole cluster by wall-clock time, and
 * adopts the shared balance. Between flushes JVMs may together overspend by what each sees; when the store fails, a
 * JVM carries on with its local view and flushes later.
 */
public final class RetryBudget {
    static {
        SharedBudgets.register((template, timeSource, ledger) ->
                new RetryBudget((RetryBudget) template, (TimeSource) timeSource, ledger));
    }

    /** Default for {@link Builder#retryRatio}: 0.2 tokens per call. */
    public static final double DEFAULT_RETRY_RATIO = 0.2;
    /** Default for {@link Builder#minRetriesPerSecond}: 10. */
    public static final double DEFAULT_MIN_RETRIES_PER_SECOND = 10;
    /** Default for {@link Builder#maxTokens}: 100. */
    public static final int DEFAULT_MAX_TOKENS = 100;

    // Balances are kept in millionths of a token, so fractional deposits are exact and fit a CAS on one long.
    private static final long SCALE = 1_000_000L;

    private final double retryRatio;
    private final double minRetriesPerSecond;
    private final int maxTokens;
    private final TimeSource timeSource;
    private final long depositPerCall;
    private final long capacity;
    private final AtomicLong balance;
    private final AtomicLong lastRefillNanos;
    private final LongAdder permitted = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    /** Shared budgets only: deposits minus retries not yet flushed, and the cluster's balance; null when local. */
    private final SharedBudgets.Ledger ledger;

    private RetryBudget(Builder builder) {
        this.retryRatio = builder.retryRatio;
        this.minRetriesPerSecond = builder.minRetriesPerSecond;
        this.maxTokens = builder.maxTokens;
        this.timeSource = builder.timeSource;
        this.depositPerCall = Math.round(retryRatio * SCALE);
        this.capacity = maxTokens * SCALE;
        this.balance = new AtomicLong(capacity);
        this.lastRefillNanos = new AtomicLong(timeSource.nanoTime());
        this.ledger = null;
    }

    private RetryBudget(RetryBudget template, TimeSource timeSource, SharedBudgets.Ledger ledger) {
        this.retryRatio = template.retryRatio;
        this.minRetriesPerSecond = template.minRetriesPerSecond;
        this.maxTokens = template.maxTokens;
        this.timeSource = timeSource;
        this.depositPerCall = template.depositPerCall;
        this.capacity = template.capacity;
        this.balance = new AtomicLong(capacity);
        this.lastRefillNanos = new AtomicLong(timeSource.nanoTime());
        this.ledger = ledger;
        ledger.onAdopt(this::adopt);
    }

    /**
     * Returns whether this budget is shared through a state store by a registry.
     *
     * @return false for a budget built by {@link #builder()}
     */
    public boolean isShared() {
        return ledger != null;
    }

    /**
     * Returns a builder with the defaults: ratio 0.2, 10 retries per second, at most 100 tokens, system time.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a budget with the defaults.
     *
     * @return a new budget
     */
    public static RetryBudget ofDefaults() {
        return builder().build();
    }

    /** Deposits the share of one call. {@link Retry} calls it once per call, before the first attempt. */
    public void recordCall() {
        if (depositPerCall > 0) {
            deposit(depositPerCall);
        }
    }

    /**
     * Takes one token for a retry, if one is available.
     *
     * @return whether the retry may go ahead
     */
    public boolean tryAcquireRetry() {
        refill();
        for (long current = balance.get(); current >= SCALE; current = balance.get()) {
            if (balance.compareAndSet(current, current - SCALE)) {
                permitted.increment();
                if (ledger != null) {
                    ledger.add(-SCALE);
                }
                return true;
            }
        }
        rejected.increment();
        return false;
    }

    /**
     * Returns the tokens available now, that is how many retries may start before the next deposit.
     *
     * @return the balance, between 0 and {@link #maxTokens()}
     */
    public double availableTokens() {
        refill();
        return balance.get() / (double) SCALE;
    }

    /**
     * Returns how many retries this budget has allowed.
     *
     * @return the count since creation
     */
    public long permittedRetries() {
        return permitted.sum();
    }

    /**
     * Returns how many retries this budget has refused.
     *
     * @return the count since creation
     */
    public long rejectedRetries() {
        return rejected.sum();
    }

    /**
     * Returns the tokens each call deposits.
     *
     * @return the ratio
     */
    public double retryRatio() {
        return retryRatio;
    }

    /**
     * Returns the tokens that flow in per second regardless of traffic.
     *
     * @return the floor
     */
    public double minRetriesPerSecond() {
        return minRetriesPerSecond;
    }

    /**
     * Returns the most tokens the bucket holds.
     *
     * @return the capacity
     */
    public int maxTokens() {
        return maxTokens;
    }

    private void refill() {
        if (ledger != null) {
            return; // the cluster's floor flows in through the sync worker's adoptions
        }
        if (minRetriesPerSecond == 0) {
            return;
        }
        long now = timeSource.nanoTime();
        long last = lastRefillNanos.get();
        long elapsed = now - last; // overflow-safe comparison of monotonic readings
        if (elapsed > 0 && lastRefillNanos.compareAndSet(last, now)) {
            // tokens = seconds * rate; in millionths: nanos * rate / 1000. Saturates through the double.
            deposit((long) Math.min(elapsed * minRetriesPerSecond / 1_000d, (double) capacity));
        }
    }

    /** Shared budgets: the sync worker's view of the cluster, plus what this JVM did since the worker drained it. */
    private long adopt(long shared) {
        long next = Math.max(0L, Math.min(capacity, shared + ledger.pending()));
        balance.set(next);
        return next;
    }

    private void deposit(long amount) {
        if (ledger != null) {
            ledger.add(amount);
        }
        for (long current = balance.get(); current < capacity; current = balance.get()) {
            if (balance.compareAndSet(current, Math.min(capacity, current + amount))) {
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "RetryBudget[retryRatio=" + retryRatio + ", minRetriesPerSecond=" + minRetriesPerSecond + ", maxTokens="
                + maxTokens + ", available=" + availableTokens() + "]";
    }

    /** Builds a {@link RetryBudget}. Not thread-safe; {@link #build()} returns a new budget each time. */
    public static final class Builder {
        private double retryRatio = DEFAULT_RETRY_RATIO;
        private double minRetriesPerSecond = DEFAULT_MIN_RETRIES_PER_SECOND;
        private int maxTokens = DEFAULT_MAX_TOKENS;
        private TimeSource timeSource = TimeSource.system();

        private Builder() {}

        /**
         * Sets the tokens each call deposits: 0.2 lets retries add 20 % to the traffic. Default 0.2.
         *
         * @param ratio tokens per call, finite and in {@code [0, 1000]}
         * @return this builder
         * @throws IllegalArgumentException if {@code ratio} is NaN, infinite or out of range
         */
        public Builder retryRatio(double ratio) {
            this.retryRatio = Preconditions.checkRange(ratio, 0, 1000, "retryRatio");
            return this;
        }

        /**
         * Sets the tokens that flow in per second whatever the traffic, so quiet callers can still retry. Default 10.
         *
         * @param perSecond tokens per second, finite and {@code >= 0}
         * @return this builder
         * @throws IllegalArgumentException if {@code perSecond} is NaN, infinite or negative
         */
        public Builder minRetriesPerSecond(double perSecond) {
            this.minRetriesPerSecond = Preconditions.checkAtLeast(perSecond, 0, "minRetriesPerSecond");
            return this;
        }

        /**
         * Sets the most tokens the bucket holds, which bounds a burst of retries. Default 100.
         *
         * @param maxTokens the capacity, in {@code [1, 1_000_000]}
         * @return this builder
         * @throws IllegalArgumentException if {@code maxTokens} is out of range
         */
        public Builder maxTokens(int maxTokens) {
            checkAtLeast(maxTokens, 1, "maxTokens");
            Preconditions.checkArgument(maxTokens <= 1_000_000, "maxTokens must be <= 1000000, was %s", maxTokens);
            this.maxTokens = maxTokens;
            return this;
        }

        /**
         * Sets the clock that refills the floor. Default {@link TimeSource#system()}.
         *
         * @param timeSource the time source
         * @return this builder
         * @throws NullPointerException if {@code timeSource} is null
         */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = checkNotNull(timeSource, "timeSource");
            return this;
        }

        /**
         * Builds a budget, starting full.
         *
         * @return a new budget
         */
        public RetryBudget build() {
            return new RetryBudget(this);
        }
    }
}
