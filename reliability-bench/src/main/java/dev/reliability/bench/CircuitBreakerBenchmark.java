package dev.reliability.bench;

import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.reliability.CheckedSupplier;
import dev.reliability.circuitbreaker.CallNotPermittedException;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitState;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The circuit breaker's hot paths, closed and open, side by side with the peers.
 *
 * <p>Each library gets its closest configuration: open after 5 consecutive failures (Resilience4j: a count-based
 * window of 5 calls, all of which must fail), stay open for 60 s. Resilience4j is configured without stack traces
 * on rejections, as ours rejects; Failsafe has no such option. The breakers are shared by all benchmark threads, as a
 * service shares one breaker per dependency. The open breakers are opened the regular way (failures for ours,
 * {@code transitionToOpenState()} and {@code open()} for the peers), not forced open, so every library still decides on
 * each call whether the open duration has passed.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CircuitBreakerBenchmark {

    static final int FAILURE_THRESHOLD = 5;
    static final Duration OPEN_DURATION = Duration.ofSeconds(60);

    /** The duration reported with each success: a constant, so the caller's clock read is not measured. */
    static final long CALL_NANOS = 1_000L;

    /** The four operations, bound to one library at setup so the measured methods do not branch on it. */
    interface Ops {
        boolean closedAcquireAndRecord();

        Object closedExecute();

        boolean openRejectCheck();

        Object openRejectExecute();
    }

    /**
     * The breakers under test, one library per JMH fork.
     *
     * <p>Thread-safety: shared by all benchmark threads; each library's breaker is thread-safe.
     */
    @State(Scope.Benchmark)
    public static class Breakers {

        /** The library under test. */
        @Param({"reliability", "resilience4j", "failsafe"})
        public String impl;

        Ops ops;

        /**
         * Builds a closed and an open breaker of the selected library around the callee.
         *
         * @param callee the call to protect
         * @throws IllegalArgumentException if {@code impl} is not a known library
         * @throws IllegalStateException if the open breaker did not open
         */
        @Setup
        public void setUp(Callee callee) {
            ops = switch (impl) {
                case "reliability" -> new Ours(callee);
                case "resilience4j" -> new Resilience4j(callee);
                case "failsafe" -> new FailsafeOps(callee);
                default -> throw new IllegalArgumentException("unknown impl " + impl);
            };
        }
    }

    static void checkOpen(boolean open, Object state) {
        if (!open) {
            throw new IllegalStateException("the breaker meant to be open is " + state);
        }
    }

    static final class Ours implements Ops {
        private final CircuitBreaker closed;
        private final CircuitBreaker open;
        private final CheckedSupplier<Object, RuntimeException> supplier;

        Ours(Callee callee) {
            CircuitBreakerConfig config = CircuitBreakerConfig.builder()
                    .failureThreshold(FAILURE_THRESHOLD)
                    .openDuration(OPEN_DURATION)
                    .build();
            closed = CircuitBreaker.of("bench", config);
            open = CircuitBreaker.of("bench-open", config);
            RuntimeException failure = new IllegalStateException("bench failure");
            for (int i = 0; i < FAILURE_THRESHOLD; i++) {
                open.tryAcquirePermission();
                open.onError(CALL_NANOS, failure);
            }
            checkOpen(open.state() == CircuitState.OPEN, open.state());
            supplier = callee.supplier;
        }

        @Override
        public boolean closedAcquireAndRecord() {
            boolean permitted = closed.tryAcquirePermission();
            closed.onSuccess(CALL_NANOS);
            return permitted;
        }

        @Override
        public Object closedExecute() {
            return closed.execute(supplier);
        }

        @Override
        public boolean openRejectCheck() {
            return open.tryAcquirePermission();
        }

        @Override
        public Object openRejectExecute() {
            try {
                return open.execute(supplier);
            } catch (CallNotPermittedException rejected) {
                return rejected;
            }
        }
    }

    static final class Resilience4j implements Ops {
        private final io.github.resilience4j.circuitbreaker.CircuitBreaker closed;
        private final io.github.resilience4j.circuitbreaker.CircuitBreaker open;
        private final Supplier<Object> supplier;

        Resilience4j(Callee callee) {
            io.github.resilience4j.circuitbreaker.CircuitBreakerConfig config =
                    io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.custom()
                            .slidingWindow(FAILURE_THRESHOLD, FAILURE_THRESHOLD, SlidingWindowType.COUNT_BASED)
                            .failureRateThreshold(100)
                            .waitDurationInOpenState(OPEN_DURATION)
                            .writableStackTraceEnabled(false)
                            .build();
            closed = io.github.resilience4j.circuitbreaker.CircuitBreaker.of("bench", config);
            open = io.github.resilience4j.circuitbreaker.CircuitBreaker.of("bench-open", config);
            open.transitionToOpenState();
            checkOpen(
                    open.getState() == io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN,
                    open.getState());
            supplier = callee::call;
        }

        @Override
        public boolean closedAcquireAndRecord() {
            boolean permitted = closed.tryAcquirePermission();
            closed.onSuccess(CALL_NANOS, TimeUnit.NANOSECONDS);
            return permitted;
        }

        @Override
        public Object closedExecute() {
            return closed.executeSupplier(supplier);
        }

        @Override
        public boolean openRejectCheck() {
            return open.tryAcquirePermission();
        }

        @Override
        public Object openRejectExecute() {
            try {
                return open.executeSupplier(supplier);
            } catch (io.github.resilience4j.circuitbreaker.CallNotPermittedException rejected) {
                return rejected;
            }
        }
    }

    static final class FailsafeOps implements Ops {
        private final dev.failsafe.CircuitBreaker<Object> closed;
        private final dev.failsafe.CircuitBreaker<Object> open;
        private final FailsafeExecutor<Object> closedExecutor;
        private final FailsafeExecutor<Object> openExecutor;
        private final dev.failsafe.function.CheckedSupplier<Object> supplier;

        FailsafeOps(Callee callee) {
            closed = breaker();
            open = breaker();
            open.open();
            checkOpen(open.isOpen(), open.getState());
            // Built once: building an executor per call would charge Failsafe for setup.
            closedExecutor = Failsafe.with(closed);
            openExecutor = Failsafe.with(open);
            supplier = callee::call;
        }

        private static dev.failsafe.CircuitBreaker<Object> breaker() {
            return dev.failsafe.CircuitBreaker.builder()
                    .withFailureThreshold(FAILURE_THRESHOLD)
                    .withDelay(OPEN_DURATION)
                    .build();
        }

        @Override
        public boolean closedAcquireAndRecord() {
            boolean permitted = closed.tryAcquirePermit();
            closed.recordSuccess();
            return permitted;
        }

        @Override
        public Object closedExecute() {
            return closedExecutor.get(supplier);
        }

        @Override
        public boolean openRejectCheck() {
            return open.tryAcquirePermit();
        }

        @Override
        public Object openRejectExecute() {
            try {
                return openExecutor.get(supplier);
            } catch (CircuitBreakerOpenException rejected) {
                return rejected;
            }
        }
    }

    /**
     * Acquires a permission on a closed breaker and records a success: the caller-driven hot path.
     *
     * @param b the breakers
     * @return whether the permission was granted, consumed by JMH
     */
    @Benchmark
    public boolean closedAcquireAndRecord(Breakers b) {
        return b.ops.closedAcquireAndRecord();
    }

    /**
     * Executes the trivial call through a closed breaker.
     *
     * @param b the breakers
     * @return the call's result, consumed by JMH
     */
    @Benchmark
    public Object closedExecute(Breakers b) {
        return b.ops.closedExecute();
    }

    /**
     * Asks an open breaker for a permission, which it refuses.
     *
     * @param b the breakers
     * @return {@code false}, consumed by JMH
     */
    @Benchmark
    public boolean openRejectCheck(Breakers b) {
        return b.ops.openRejectCheck();
    }

    /**
     * Executes through an open breaker and catches the rejection.
     *
     * @param b the breakers
     * @return the rejection, consumed by JMH
     */
    @Benchmark
    public Object openRejectExecute(Breakers b) {
        return b.ops.openRejectExecute();
    }
}
