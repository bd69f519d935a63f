package dev.reliability.bench;

import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.reliability.CheckedSupplier;
import dev.reliability.TimeSource;
import dev.reliability.circuitbreaker.CallNotPermittedException;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.circuitbreaker.StateTransition;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The circuit breaker's hot paths, closed and open, side by side with the peers.
 *
 * <p>Each library gets its closest configuration: open after 5 consecutive failures (Resilience4j: a count-based
 * window of 5 calls, all of which must fail), stay open for an hour, so no run can outlast the open state. Resilience4j
 * is configured without stack traces on rejections, as ours rejects; Failsafe has no such option. The breakers are
 * shared by all benchmark threads, as a service shares one breaker per dependency. The open breakers are opened the
 * regular way (failures for ours, {@code transitionToOpenState()} and {@code open()} for the peers), not forced open,
 * so every library still decides on each call whether the open duration has passed; after every iteration {@link
 * OpenBreakers#checkStillOpen()} fails the run if a breaker is no longer open or (where the library counts them) its
 * rejections did not grow.
 *
 * <p>Two closed rows switch on what users switch on, on every side: {@code closedExecuteSlowCallWindow} a failure-rate
 * window with slow-call tracking (Resilience4j's defaults: a count window of 100 calls, 60 s slow-call threshold;
 * Failsafe has no slow-call tracking and gets a count-based failure rate over 100 executions), and {@code
 * closedExecuteTransitionListener} one listener that only counts state transitions.
 *
 * <p>The class-level settings (3 forks, 5 × 1 s warm-up, 5 × 1 s measurement) make a bare {@code java -jar
 * benchmarks.jar CircuitBreakerBenchmark} short and valid for quoting.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(3)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class CircuitBreakerBenchmark {

    static final int FAILURE_THRESHOLD = 5;
    static final Duration OPEN_DURATION = Duration.ofHours(1);

    /** The slow-call threshold of the window rows: Resilience4j's default. */
    static final Duration SLOW_CALL = Duration.ofSeconds(60);

    /** The window size and minimum calls of the window rows: Resilience4j's defaults. */
    static final int WINDOW = 100;

    /** The duration reported with each success: a constant, so the caller's clock read is not measured. */
    static final long CALL_NANOS = 1_000L;

    /** The closed-state operations, bound to one library at setup so the measured methods do not branch on it. */
    interface ClosedOps {
        boolean closedAcquireAndRecord();

        Object closedExecute();

        Object closedExecuteSlowCallWindow();

        Object closedExecuteTransitionListener();
    }

    /** The open-state operations and what the per-iteration check reads. */
    interface OpenOps {
        boolean openRejectCheck();

        Object openRejectExecute();

        boolean isOpen();

        /** Rejections counted by the library so far, or -1 if it does not count them. */
        long rejections();
    }

    /**
     * The closed breakers under test, one library per JMH fork.
     *
     * <p>Thread-safety: shared by all benchmark threads; each library's breaker is thread-safe.
     */
    @State(Scope.Benchmark)
    public static class Breakers {

        /** The library under test. */
        @Param({"reliability", "resilience4j", "failsafe"})
        public String impl;

        ClosedOps ops;

        /**
         * Builds the closed breakers of the selected library around the callee.
         *
         * @param callee the call to protect
         * @throws IllegalArgumentException if {@code impl} is not a known library
         */
        @Setup
        public void setUp(Callee callee) {
            ops = switch (impl) {
                case "reliability" -> new OursClosed(callee);
                case "resilience4j" -> new Resilience4jClosed(callee);
                case "failsafe" -> new FailsafeClosed(callee);
                default -> throw new IllegalArgumentException("unknown impl " + impl);
            };
        }
    }

    /**
     * The open breakers under test, of the library {@link Breakers#impl} selects.
     *
     * <p>Thread-safety: shared by all benchmark threads; the iteration fixtures run while no benchmark thread calls.
     */
    @State(Scope.Benchmark)
    public static class OpenBreakers {
        OpenOps ops;
        private long rejectionsBefore;

        /**
         * Builds and opens the breaker of the selected library.
         *
         * @param library the selected library
         * @param callee the call to protect
         * @throws IllegalStateException if the breaker did not open
         */
        @Setup
        public void setUp(Breakers library, Callee callee) {
            ops = switch (library.impl) {
                case "reliability" -> new OursOpen(callee);
                case "resilience4j" -> new Resilience4jOpen(callee);
                case "failsafe" -> new FailsafeOpen(callee);
                default -> throw new IllegalArgumentException("unknown impl " + library.impl);
            };
            checkOpen(ops.isOpen(), library.impl);
        }

        /** Notes the rejections before an iteration. */
        @Setup(Level.Iteration)
        public void noteRejections() {
            rejectionsBefore = ops.rejections();
        }

        /**
         * Fails the run if the breaker left the open state during the iteration, or if its rejections did not grow
         * (checked where the library counts rejections: ours and Resilience4j).
         *
         * @throws IllegalStateException if the iteration did not measure an open breaker
         */
        @TearDown(Level.Iteration)
        public void checkStillOpen() {
            checkOpen(ops.isOpen(), "no longer open after the iteration");
            long after = ops.rejections();
            if (after >= 0 && after <= rejectionsBefore) {
                throw new IllegalStateException(
                        "the open breaker's rejections did not grow: " + rejectionsBefore + " then " + after);
            }
        }
    }

    static void checkOpen(boolean open, Object what) {
        if (!open) {
            throw new IllegalStateException("the breaker meant to be open is not: " + what);
        }
    }

    static CircuitBreakerConfig oursConfig() {
        return CircuitBreakerConfig.builder()
                .failureThreshold(FAILURE_THRESHOLD)
                .openDuration(OPEN_DURATION)
                .build();
    }

    static final class OursClosed implements ClosedOps {
        private final CircuitBreaker closed;
        private final CircuitBreaker windowed;
        private final CircuitBreaker listened;
        private final CheckedSupplier<Object, RuntimeException> supplier;

        OursClosed(Callee callee) {
            closed = CircuitBreaker.of("bench", oursConfig());
            windowed = CircuitBreaker.of(
                    "bench-window",
                    CircuitBreakerConfig.builder()
                            .countBasedWindow(WINDOW)
                            .minimumCalls(WINDOW)
                            .failureRateThreshold(50)
                            .slowCallDuration(SLOW_CALL)
                            .slowCallRateThreshold(100)
                            .openDuration(OPEN_DURATION)
                            .build());
            LongAdder transitions = new LongAdder();
            listened = CircuitBreaker.of(
                    "bench-listened", oursConfig(), TimeSource.system(), List.of(new CircuitBreakerListener() {
                        @Override
                        public void onStateTransition(StateTransition transition) {
                            transitions.increment();
                        }
                    }));
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
        public Object closedExecuteSlowCallWindow() {
            return windowed.execute(supplier);
        }

        @Override
        public Object closedExecuteTransitionListener() {
            return listened.execute(supplier);
        }
    }

    static final class OursOpen implements OpenOps {
        private final CircuitBreaker open;
        private final CheckedSupplier<Object, RuntimeException> supplier;

        OursOpen(Callee callee) {
            open = CircuitBreaker.of("bench-open", oursConfig());
            RuntimeException failure = new IllegalStateException("bench failure");
            for (int i = 0; i < FAILURE_THRESHOLD; i++) {
                open.tryAcquirePermission();
                open.onError(CALL_NANOS, failure);
            }
            supplier = callee.supplier;
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

        @Override
        public boolean isOpen() {
            return open.state() == CircuitState.OPEN;
        }

        @Override
        public long rejections() {
            return open.stats().rejected();
        }
    }

    static io.github.resilience4j.circuitbreaker.CircuitBreakerConfig resilience4jConfig() {
        return io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.custom()
                .slidingWindow(FAILURE_THRESHOLD, FAILURE_THRESHOLD, SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(100)
                .waitDurationInOpenState(OPEN_DURATION)
                .writableStackTraceEnabled(false)
                .build();
    }

    static final class Resilience4jClosed implements ClosedOps {
        private final io.github.resilience4j.circuitbreaker.CircuitBreaker closed;
        private final io.github.resilience4j.circuitbreaker.CircuitBreaker windowed;
        private final io.github.resilience4j.circuitbreaker.CircuitBreaker listened;
        private final Supplier<Object> supplier;

        Resilience4jClosed(Callee callee) {
            closed = io.github.resilience4j.circuitbreaker.CircuitBreaker.of("bench", resilience4jConfig());
            // Resilience4j's defaults: count window of 100, minimum 100 calls, slow calls from 60 s.
            windowed = io.github.resilience4j.circuitbreaker.CircuitBreaker.of(
                    "bench-window", io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.ofDefaults());
            listened = io.github.resilience4j.circuitbreaker.CircuitBreaker.of("bench-listened", resilience4jConfig());
            LongAdder transitions = new LongAdder();
            listened.getEventPublisher().onStateTransition(event -> transitions.increment());
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
        public Object closedExecuteSlowCallWindow() {
            return windowed.executeSupplier(supplier);
        }

        @Override
        public Object closedExecuteTransitionListener() {
            return listened.executeSupplier(supplier);
        }
    }

    static final class Resilience4jOpen implements OpenOps {
        private final io.github.resilience4j.circuitbreaker.CircuitBreaker open;
        private final Supplier<Object> supplier;

        Resilience4jOpen(Callee callee) {
            open = io.github.resilience4j.circuitbreaker.CircuitBreaker.of("bench-open", resilience4jConfig());
            open.transitionToOpenState();
            supplier = callee::call;
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

        @Override
        public boolean isOpen() {
            return open.getState() == io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN;
        }

        @Override
        public long rejections() {
            return open.getMetrics().getNumberOfNotPermittedCalls();
        }
    }

    static dev.failsafe.CircuitBreakerBuilder<Object> failsafeBuilder() {
        return dev.failsafe.CircuitBreaker.builder()
                .withFailureThreshold(FAILURE_THRESHOLD)
                .withDelay(OPEN_DURATION);
    }

    static final class FailsafeClosed implements ClosedOps {
        private final dev.failsafe.CircuitBreaker<Object> closed;
        // Built once: building an executor per call would charge Failsafe for setup.
        private final FailsafeExecutor<Object> closedExecutor;
        private final FailsafeExecutor<Object> windowedExecutor;
        private final FailsafeExecutor<Object> listenedExecutor;
        private final dev.failsafe.function.CheckedSupplier<Object> supplier;

        FailsafeClosed(Callee callee) {
            closed = failsafeBuilder().build();
            closedExecutor = Failsafe.with(closed);
            // No slow-call tracking in Failsafe: the closest is a failure rate over a count of executions.
            windowedExecutor = Failsafe.with(dev.failsafe.CircuitBreaker.builder()
                    .withFailureThreshold(WINDOW / 2, WINDOW)
                    .withDelay(OPEN_DURATION)
                    .build());
            LongAdder transitions = new LongAdder();
            listenedExecutor = Failsafe.with(failsafeBuilder()
                    .onOpen(event -> transitions.increment())
                    .onHalfOpen(event -> transitions.increment())
                    .onClose(event -> transitions.increment())
                    .build());
            supplier = callee::call;
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
        public Object closedExecuteSlowCallWindow() {
            return windowedExecutor.get(supplier);
        }

        @Override
        public Object closedExecuteTransitionListener() {
            return listenedExecutor.get(supplier);
        }
    }

    static final class FailsafeOpen implements OpenOps {
        private final dev.failsafe.CircuitBreaker<Object> open;
        private final FailsafeExecutor<Object> openExecutor;
        private final dev.failsafe.function.CheckedSupplier<Object> supplier;

        FailsafeOpen(Callee callee) {
            open = failsafeBuilder().build();
            open.open();
            openExecutor = Failsafe.with(open);
            supplier = callee::call;
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

        @Override
        public boolean isOpen() {
            return open.isOpen();
        }

        @Override
        public long rejections() {
            return -1L; // Failsafe does not count rejections
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
     * Executes the trivial call through a closed breaker. Ours reads no clock here (no slow calls, no listener);
     * Resilience4j reads it twice per call (for the duration it records), Failsafe at least once.
     *
     * @param b the breakers
     * @return the call's result, consumed by JMH
     */
    @Benchmark
    public Object closedExecute(Breakers b) {
        return b.ops.closedExecute();
    }

    /**
     * Executes the trivial call through a closed breaker with a failure-rate window and slow-call tracking: ours on
     * its coarse clock, Resilience4j with its defaults (two clock reads per call).
     *
     * @param b the breakers
     * @return the call's result, consumed by JMH
     */
    @Benchmark
    public Object closedExecuteSlowCallWindow(Breakers b) {
        return b.ops.closedExecuteSlowCallWindow();
    }

    /**
     * Executes the trivial call through a closed breaker with one listener that only counts state transitions.
     *
     * @param b the breakers
     * @return the call's result, consumed by JMH
     */
    @Benchmark
    public Object closedExecuteTransitionListener(Breakers b) {
        return b.ops.closedExecuteTransitionListener();
    }

    /**
     * Asks an open breaker for a permission, which it refuses.
     *
     * @param b the open breakers
     * @return {@code false}, consumed by JMH
     */
    @Benchmark
    public boolean openRejectCheck(OpenBreakers b) {
        return b.ops.openRejectCheck();
    }

    /**
     * Executes through an open breaker and catches the rejection. Ten warm-up iterations: ours reaches its steady state
     * later than the other paths on a loaded machine.
     *
     * @param b the open breakers
     * @return the rejection, consumed by JMH
     */
    @Benchmark
    @Warmup(iterations = 10, time = 1)
    public Object openRejectExecute(OpenBreakers b) {
        return b.ops.openRejectExecute();
    }
}
