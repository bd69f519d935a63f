package dev.reliability.retry;

import static dev.reliability.internal.Preconditions.checkName;
import static dev.reliability.internal.Preconditions.checkNotNull;

import dev.reliability.CheckedRunnable;
import dev.reliability.CheckedSupplier;
import dev.reliability.TimeSource;
import dev.reliability.internal.Exceptions;
import dev.reliability.internal.Listeners;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Runs calls under a {@link RetryPolicy}: failed attempts are retried after the policy's backoff until one succeeds,
 * the policy refuses, or attempts, deadline or budget run out.
 *
 * <pre>{@code
 * Retry retry = Retry.of("inventory", RetryPolicy.builder().maxAttempts(5).build());
 * Item item = retry.execute(() -> client.fetch(id));
 * }</pre>
 *
 * <p>When the call ends on a failure, that last failure is rethrown unchanged: checked exceptions pass through via the
 * action's {@code throws X} clause and nothing is wrapped. When it ends on a rejected result, that result is returned.
 * If the thread is interrupted during a wait, the interrupt flag is restored and the last failure is rethrown.
 *
 * <p>Every call is counted, always: {@link #stats()} returns the outcomes (with or without a retry), the retries made
 * and those the budget refused. Counting costs one {@link LongAdder} increment per call; it reads no clock and
 * allocates nothing.
 *
 * <p>The first attempt reads no clock and allocates nothing unless the policy has a deadline, a budget or listeners.
 * Waits go through the {@link TimeSource}; jitter comes from the {@link RandomGenerator}. Thread-safe: one instance
 * may serve any number of concurrent calls, as long as its random generator is thread-safe (the default is).
 */
public final class Retry {
    // ThreadLocalRandom must be fetched on the thread that uses it, so the default defers to current() on each draw.
    private static final RandomGenerator THREAD_LOCAL_RANDOM =
            () -> ThreadLocalRandom.current().nextLong();

    private final String name;
    private final RetryPolicy policy;
    private final TimeSource timeSource;
    private final RandomGenerator random;
    // The counters of RetryStats. LongAdders, so that threads sharing a retry do not contend on one cache line.
    private final LongAdder succeededWithoutRetry = new LongAdder();
    private final LongAdder succeededAfterRetry = new LongAdder();
    private final LongAdder failedWithoutRetry = new LongAdder();
    private final LongAdder failedAfterRetry = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder rejectedRetries = new LongAdder();

    private Retry(String name, RetryPolicy policy, TimeSource timeSource, RandomGenerator random) {
        this.name = checkName(name, "name");
        this.policy = checkNotNull(policy, "policy");
        this.timeSource = checkNotNull(timeSource, "timeSource");
        this.random = checkNotNull(random, "random");
    }

    /**
     * Returns a retry on the system time source, with thread-local randomness for jitter.
     *
     * @param name the name reported in events
     * @param policy the policy
     * @return the retry
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static Retry of(String name, RetryPolicy policy) {
        return new Retry(name, policy, TimeSource.system(), THREAD_LOCAL_RANDOM);
    }

    /**
     * Returns a retry reading time and waiting through {@code timeSource} and drawing jitter from {@code random}.
     * Tests pass a {@code ManualTimeSource} and a seeded generator.
     *
     * @param name the name reported in events
     * @param policy the policy
     * @param timeSource the clock and sleep for deadlines, waits and event timestamps
     * @param random the source of jitter; must be thread-safe if the retry is shared by threads
     * @return the retry
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static Retry of(String name, RetryPolicy policy, TimeSource timeSource, RandomGenerator random) {
        return new Retry(name, policy, timeSource, random);
    }

    /**
     * Returns the name reported in events.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the policy.
     *
     * @return the policy
     */
    public RetryPolicy policy() {
        return policy;
    }

    /**
     * Returns this retry's counters since it was created: how its calls ended, the retries they made and the retries
     * the budget refused. Reading them allocates the snapshot; counting them costs the calls no clock read and no
     * allocation. See {@link RetryStats} for what each count holds.
     *
     * @return a new snapshot
     */
    public RetryStats stats() {
        return new RetryStats(
                succeededWithoutRetry.sum(),
                succeededAfterRetry.sum(),
                failedWithoutRetry.sum(),
                failedAfterRetry.sum(),
                retries.sum(),
                rejectedRetries.sum());
    }

    /**
     * Calls {@code action}, retrying it under the policy, and returns its result.
     *
     * @param action the call to make
     * @param <T> the result type
     * @param <X> the checked exception the action may throw
     * @return the first accepted result, or the last result when attempts ran out on rejected results
     * @throws X the last failure, unchanged, when the call ends on a failure
     * @throws NullPointerException if {@code action} is null
     */
    public <T, X extends Exception> T execute(CheckedSupplier<T, X> action) throws X {
        checkNotNull(action, "action");
        long start = startCall();
        T result;
        try {
            result = action.get();
        } catch (VirtualMachineError fatal) {
            throw fatal; // the JVM (or a sandbox's limit) stopped the call: never retried, never an event
        } catch (Throwable failure) {
            return retryAfterFailure(action, failure, null, start);
        }
        if (policy.isRetryableResult(result)) {
            return retryAfterFailure(action, null, result, start);
        }
        succeededWithoutRetry.increment();
        publish(Event.SUCCESS, 1, Duration.ZERO, null, result);
        return result;
    }

    /**
     * Runs {@code action}, retrying it under the policy.
     *
     * @param action the action to run
     * @param <X> the checked exception the action may throw
     * @throws X the last failure, unchanged, when the call ends on a failure
     * @throws NullPointerException if {@code action} is null
     */
    public <X extends Exception> void run(CheckedRunnable<X> action) throws X {
        checkNotNull(action, "action");
        execute(() -> {
            action.run();
            return null;
        });
    }

    /**
     * Calls {@code action} and retries the stages it returns, scheduling each retry on {@code scheduler} after the
     * policy's backoff. The first attempt runs on the calling thread.
     *
     * <p>Cancelling the returned future stops the call: no further attempt is made, a pending retry is cancelled in
     * the scheduler, and the stage in flight is cancelled if it supports it. The scheduler is never shut down. If it
     * rejects a retry, the future fails with its {@link RejectedExecutionException}, the last failure attached as
     * suppressed.
     *
     * @param action starts one attempt; a thrown exception or a null stage counts as a failed attempt
     * @param scheduler where retries are scheduled
     * @param <T> the result type
     * @return a future completed with the first accepted result, or the last failure unchanged
     * @throws NullPointerException if an argument is null
     */
    public <T> CompletableFuture<T> executeAsync(
            Supplier<? extends CompletionStage<T>> action, ScheduledExecutorService scheduler) {
        checkNotNull(action, "action");
        checkNotNull(scheduler, "scheduler");
        AsyncCall<T> call = new AsyncCall<>(action, scheduler, startCall());
        call.attempt();
        return call.result;
    }

    /** Deposits into the budget and reads the clock only if a deadline needs it. */
    private long startCall() {
        if (policy.hasBudget()) {
            policy.budgetOrNull().recordCall();
        }
        return policy.maxDurationNanos() != 0 ? timeSource.nanoTime() : 0L;
    }

    private <T, X extends Exception> T retryAfterFailure(
            CheckedSupplier<T, X> action, Throwable failure, T result, long start) throws X {
        Duration previous = null;
        for (int attempt = 1; ; attempt++) {
            Duration delay = nextDelay(attempt, failure, result, previous, start);
            if (delay == null) {
                countFailed(attempt);
                return end(failure, result);
            }
            try {
                timeSource.sleep(delay);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                countFailed(attempt);
                return end(failure, result);
            }
            retries.increment();
            previous = delay;
            failure = null;
            try {
                result = action.get();
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable thrown) {
                failure = thrown;
                result = null;
            }
            if (failure == null && !policy.isRetryableResult(result)) {
                succeededAfterRetry.increment();
                publish(Event.SUCCESS, attempt + 1, Duration.ZERO, null, result);
                return result;
            }
        }
    }

    /** Counts a call that ended on a failure after {@code attempts} attempts had started. */
    private void countFailed(int attempts) {
        (attempts <= 1 ? failedWithoutRetry : failedAfterRetry).increment();
    }

    private static <T> T end(Throwable failure, T result) {
        if (failure != null) {
            throw Exceptions.rethrow(failure);
        }
        return result;
    }

    /**
     * Decides what follows failed attempt {@code attempt}: the wait before the next one, or null when the call ends
     * here. Publishes the matching event. The one place where sync and async calls share their rules.
     */
    private Duration nextDelay(int attempt, Throwable failure, Object result, Duration previous, long start) {
        if (failure != null && !policy.isRetryable(failure)) {
            publish(Event.ABORT, attempt, Duration.ZERO, failure, result);
            return null;
        }
        if (attempt >= policy.maxAttempts()) {
            publish(Event.EXHAUSTED, attempt, Duration.ZERO, failure, result);
            return null;
        }
        Duration delay = delayAfter(attempt, failure, previous);
        long maxDuration = policy.maxDurationNanos();
        if (maxDuration != 0 && delay.toNanos() > maxDuration - (timeSource.nanoTime() - start)) {
            publish(Event.EXHAUSTED, attempt, Duration.ZERO, failure, result);
            return null;
        }
        if (policy.hasBudget() && !policy.budgetOrNull().tryAcquireRetry()) {
            rejectedRetries.increment();
            publish(Event.EXHAUSTED, attempt, Duration.ZERO, failure, result);
            return null;
        }
        publish(Event.RETRY, attempt, delay, failure, result);
        return delay;
    }

    private Duration delayAfter(int attempt, Throwable failure, Duration previous) {
        Duration pushback = policy.pushback(failure);
        if (pushback != null) {
            Duration max = policy.backoff().maxDelay();
            return pushback.compareTo(max) > 0 ? max : pushback;
        }
        return policy.backoff().delay(attempt, failure, previous, random);
    }

    private void publish(Event event, int attempt, Duration delay, Throwable failure, Object result) {
        RetryListener[] listeners = policy.listenerArray();
        if (listeners.length == 0) {
            return;
        }
        RetryAttempt payload = new RetryAttempt(name, attempt, delay, failure, result, timeSource.instant());
        for (RetryListener listener : listeners) {
            try {
                event.deliver(listener, payload);
            } catch (Throwable thrown) {
                Listeners.listenerFailed(event.method, name, thrown);
            }
        }
    }

    @Override
    public String toString() {
        return "Retry[" + name + ", " + policy + "]";
    }

    private enum Event {
        RETRY("onRetry"),
        SUCCESS("onSuccess"),
        EXHAUSTED("onExhausted"),
        ABORT("onAbort");

        final String method;

        Event(String method) {
            this.method = method;
        }

        void deliver(RetryListener listener, RetryAttempt attempt) {
            switch (this) {
                case RETRY -> listener.onRetry(attempt);
                case SUCCESS -> listener.onSuccess(attempt);
                case EXHAUSTED -> listener.onExhausted(attempt);
                case ABORT -> listener.onAbort(attempt);
            }
        }
    }

    /** One asynchronous call: attempts run one after another, each started by the previous one's completion. */
    private final class AsyncCall<T> {
        final CompletableFuture<T> result = new CompletableFuture<>();
        private final Supplier<? extends CompletionStage<T>> action;
        private final ScheduledExecutorService scheduler;
        private final long start;
        // Attempts never overlap and each is started by the previous one's completion or its scheduled task, which
        // order these fields; only cancellation reads pending, inFlight and attempt from another thread.
        private volatile int attempt;
        private Duration previous;
        private volatile Future<?> pending;
        private volatile CompletionStage<T> inFlight;
        /** Set before the result is completed with a value that the policy still rejects: a failed call. */
        private volatile boolean endsOnRejectedResult;

        AsyncCall(Supplier<? extends CompletionStage<T>> action, ScheduledExecutorService scheduler, long start) {
            this.action = action;
            this.scheduler = scheduler;
            this.start = start;
            // onEnd only counts; the stage it returns mirrors result, which the caller holds.
            CompletableFuture<T> unused = result.whenComplete(this::onEnd);
        }

        /**
         * Counts the call, once, however its future was completed: by this call, or by a cancellation (or any other
         * completion) from outside, which a completion of ours can race.
         */
        private void onEnd(T value, Throwable failure) {
            if (result.isCancelled()) {
                cancelWork();
                countFailed(attempt);
            } else if (failure instanceof VirtualMachineError) {
                return; // never retried, never an event, never counted
            } else if (failure != null || endsOnRejectedResult) {
                countFailed(attempt);
            } else {
                (attempt <= 1 ? succeededWithoutRetry : succeededAfterRetry).increment();
            }
        }

        void attempt() {
            if (result.isDone()) {
                return;
            }
            // Attempts run one after another (each is started from the end of the one before), so one thread writes at
            // a time; volatile is for the visibility of the count to the thread that runs the next one.
            @SuppressWarnings("NonAtomicVolatileUpdate")
            int started = ++attempt;
            if (started > 1) {
                retries.increment();
            }
            CompletionStage<T> stage;
            try {
                stage = checkNotNull(action.get(), "the action's CompletionStage");
            } catch (Throwable failure) {
                onOutcome(null, failure);
                return;
            }
            inFlight = stage;
            stage.whenComplete(this::onOutcome);
        }

        private void onOutcome(T value, Throwable failure) {
            if (result.isDone()) {
                return;
            }
            failure = unwrap(failure);
            if (failure instanceof VirtualMachineError) {
                result.completeExceptionally(failure); // never retried, never an event
                return;
            }
            if (failure == null && !policy.isRetryableResult(value)) {
                publish(Event.SUCCESS, attempt, Duration.ZERO, null, value);
                result.complete(value);
                return;
            }
            Duration delay = nextDelay(attempt, failure, value, previous, start);
            if (delay == null) {
                if (failure != null) {
                    result.completeExceptionally(failure);
                } else {
                    endsOnRejectedResult = true;
                    result.complete(value);
                }
                return;
            }
            previous = delay;
            try {
                pending = scheduler.schedule(this::attempt, delay.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException rejected) {
                if (failure != null) {
                    rejected.addSuppressed(failure);
                }
                result.completeExceptionally(rejected);
                return;
            }
            if (result.isDone()) { // cancelled while the retry was being scheduled
                cancelWork();
            }
        }

        private void cancelWork() {
            Future<?> task = pending;
            if (task != null) {
                task.cancel(false);
            }
            CompletionStage<T> stage = inFlight;
            if (stage != null) {
                try {
                    stage.toCompletableFuture().cancel(true);
                } catch (UnsupportedOperationException notCancellable) {
                    // A minimal stage cannot be cancelled; its outcome is ignored because the result is done.
                }
            }
        }

        private Throwable unwrap(Throwable failure) {
            return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        }
    }
}
