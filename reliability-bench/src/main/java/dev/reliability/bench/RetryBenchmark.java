package dev.reliability.bench;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.reliability.backoff.Backoff;
import dev.reliability.retry.Retry;
import dev.reliability.retry.RetryPolicy;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A retry whose first attempt succeeds: the cost a retry adds to every healthy call.
 *
 * <p>Each library gets its closest configuration: at most 3 attempts, retrying any exception, with a fixed 100 ms delay
 * that the successful first attempt never reaches. The retry (and Failsafe's executor) is built once per trial and
 * shared by all benchmark threads, as a service would share it; only the call is measured. {@link #plainCall} is the
 * same call without a retry.
 *
 * <p>Every library counts the calls' outcomes, as a service exporting metrics needs: ours always counts ({@link
 * Retry#stats()}); Resilience4j always counts too ({@code Retry.getMetrics()}); Failsafe keeps no counts, so its policy
 * gets the listeners that keep the same ones ({@code onSuccess} and {@code onFailure} split by attempt count into
 * {@link LongAdder}s, {@code onRetry} counting retries). At the end of each trial, each library's count of calls that
 * succeeded without a retry must have grown, or the run fails.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RetryBenchmark {

    /** The delay between attempts, identical for every library and never reached by these calls. */
    static final Duration DELAY = Duration.ofMillis(100);

    static final int MAX_ATTEMPTS = 3;

    /**
     * The retry under test, one implementation per JMH fork.
     *
     * <p>Thread-safety: shared by all benchmark threads; each library's retry is thread-safe.
     */
    @State(Scope.Benchmark)
    public static class RetryState {

        /** The library under test. */
        @Param({"reliability", "resilience4j", "failsafe"})
        public String impl;

        /** One retried call, bound at setup so that the measured path allocates only what the library allocates. */
        Supplier<Object> call;

        /** The library's own count of calls that succeeded without a retry, read at the end of the trial. */
        LongSupplier succeededWithoutRetry;

        /**
         * Builds the retry of the selected library around the callee.
         *
         * @param callee the call to retry
         * @throws IllegalArgumentException if {@code impl} is not a known library
         */
        @Setup
        public void setUp(Callee callee) {
            call = switch (impl) {
                case "reliability" -> reliability(callee);
                case "resilience4j" -> resilience4j(callee);
                case "failsafe" -> failsafe(callee);
                default -> throw new IllegalArgumentException("unknown impl " + impl);
            };
        }

        /**
         * Fails the run if the library did not count the calls it measured.
         *
         * @throws IllegalStateException if no call was counted as a success without a retry
         */
        @TearDown
        public void checkCounted() {
            long counted = succeededWithoutRetry.getAsLong();
            if (counted <= 0) {
                throw new IllegalStateException(impl + " counted " + counted + " calls succeeding without a retry");
            }
        }

        private Supplier<Object> reliability(Callee callee) {
            RetryPolicy policy = RetryPolicy.builder()
                    .maxAttempts(MAX_ATTEMPTS)
                    .backoff(Backoff.fixed(DELAY))
                    .build();
            Retry retry = Retry.of("bench", policy);
            succeededWithoutRetry = () -> retry.stats().succeededWithoutRetry();
            dev.reliability.CheckedSupplier<Object, RuntimeException> supplier = callee.supplier;
            return () -> retry.execute(supplier);
        }

        private Supplier<Object> resilience4j(Callee callee) {
            RetryConfig config = RetryConfig.custom()
                    .maxAttempts(MAX_ATTEMPTS)
                    .waitDuration(DELAY)
                    .build();
            io.github.resilience4j.retry.Retry retry = io.github.resilience4j.retry.Retry.of("bench", config);
            succeededWithoutRetry = () -> retry.getMetrics().getNumberOfSuccessfulCallsWithoutRetryAttempt();
            Supplier<Object> supplier = callee::call;
            return () -> retry.executeSupplier(supplier);
        }

        private Supplier<Object> failsafe(Callee callee) {
            // The counts Resilience4j and ours keep, kept by Failsafe's listeners.
            LongAdder okWithoutRetry = new LongAdder();
            LongAdder okAfterRetry = new LongAdder();
            LongAdder failedWithoutRetry = new LongAdder();
            LongAdder failedAfterRetry = new LongAdder();
            LongAdder retries = new LongAdder();
            dev.failsafe.RetryPolicy<Object> policy = dev.failsafe.RetryPolicy.builder()
                    .withMaxAttempts(MAX_ATTEMPTS)
                    .withDelay(DELAY)
                    .onSuccess(e -> (e.getAttemptCount() == 1 ? okWithoutRetry : okAfterRetry).increment())
                    .onFailure(e -> (e.getAttemptCount() == 1 ? failedWithoutRetry : failedAfterRetry).increment())
                    .onRetry(e -> retries.increment())
                    .build();
            succeededWithoutRetry = okWithoutRetry::sum;
            // Failsafe.with(policy) is built once: building an executor per call would charge Failsafe for setup.
            FailsafeExecutor<Object> executor = Failsafe.with(policy);
            dev.failsafe.function.CheckedSupplier<Object> supplier = callee::call;
            return () -> executor.get(supplier);
        }
    }

    /**
     * Calls through a 3-attempt retry whose first attempt succeeds.
     *
     * @param retry the retry under test
     * @return the call's result, consumed by JMH
     */
    @Benchmark
    public Object firstAttemptSuccess(RetryState retry) {
        return retry.call.get();
    }

    /**
     * Makes the same call without a retry: the baseline that {@link #firstAttemptSuccess} adds to.
     *
     * @param callee the call
     * @return the call's result, consumed by JMH
     */
    @Benchmark
    public Object plainCall(Callee callee) {
        return callee.supplier.get();
    }
}
