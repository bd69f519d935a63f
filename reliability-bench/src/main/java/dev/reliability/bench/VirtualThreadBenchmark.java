package dev.reliability.bench;

import dev.failsafe.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * The virtual-thread scenario, JDK 21+ only: {@code tasks} virtual threads each call every one of 10 shared
 * closed breakers (acquire a permission, record a success), sleep 200 ms as a request waits for its I/O, then call
 * them again. One invocation is the whole run, from the first task submitted to the last one finished; the floor is
 * {@code impl=longadder}, one {@link LongAdder} increment per call in place of the breaker.
 *
 * <p>After each iteration the benchmark prints the heap retained by the 10 breakers (the heap after a full GC with
 * them reachable, less the heap after a full GC without them), per breaker: it must not grow with {@code tasks}. A
 * coarse figure (GC-dependent to a few hundred bytes), printed rather than scored.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(3)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@State(Scope.Benchmark)
public class VirtualThreadBenchmark {
    static final int BREAKERS = 10;
    static final Duration IO = Duration.ofMillis(200);

    /** The counting under test: ours, the peers, or the floor. */
    @Param({"reliability", "resilience4j", "failsafe", "longadder"})
    public String impl;

    /** How many virtual-thread tasks one invocation runs. */
    @Param({"50000"})
    public int tasks;

    private List<Runnable> calls;

    /**
     * Builds the 10 shared breakers (or adders) for one iteration.
     *
     * @throws IllegalArgumentException if {@code impl} is unknown
     */
    @Setup(Level.Iteration)
    public void setUp() {
        calls = new ArrayList<>(BREAKERS);
        for (int i = 0; i < BREAKERS; i++) {
            calls.add(call(impl, "vt-" + i));
        }
    }

    static Runnable call(String impl, String name) {
        switch (impl) {
            case "reliability" -> {
                dev.reliability.circuitbreaker.CircuitBreaker b =
                        dev.reliability.circuitbreaker.CircuitBreaker.of(name, CircuitBreakerConfig.ofDefaults());
                return () -> {
                    if (b.tryAcquirePermission()) {
                        b.onSuccess(CircuitBreakerBenchmark.CALL_NANOS);
                    }
                };
            }
            case "resilience4j" -> {
                io.github.resilience4j.circuitbreaker.CircuitBreaker b =
                        io.github.resilience4j.circuitbreaker.CircuitBreaker.of(
                                name, CircuitBreakerBenchmark.resilience4jConfig());
                return () -> {
                    if (b.tryAcquirePermission()) {
                        b.onSuccess(CircuitBreakerBenchmark.CALL_NANOS, TimeUnit.NANOSECONDS);
                    }
                };
            }
            case "failsafe" -> {
                CircuitBreaker<Object> b =
                        CircuitBreakerBenchmark.failsafeBuilder().build();
                return () -> {
                    if (b.tryAcquirePermit()) {
                        b.recordSuccess();
                    }
                };
            }
            case "longadder" -> {
                LongAdder adder = new LongAdder();
                return adder::increment;
            }
            default -> throw new IllegalArgumentException("unknown impl " + impl);
        }
    }

    /**
     * Runs the tasks on virtual threads and waits for all of them.
     *
     * @throws Exception if a task failed or the JDK has no virtual threads
     */
    @Benchmark
    public void virtualThreads() throws Exception {
        // The bench compiles for 17: the JDK 21 factory is looked up reflectively.
        ExecutorService executor = (ExecutorService)
                Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        List<Runnable> shared = calls;
        List<Future<?>> futures = new ArrayList<>(tasks);
        try {
            for (int t = 0; t < tasks; t++) {
                futures.add(executor.submit(() -> {
                    for (Runnable call : shared) {
                        call.run();
                    }
                    Thread.sleep(IO.toMillis());
                    for (Runnable call : shared) {
                        call.run();
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            executor.shutdown();
        }
    }

    /** Prints the heap the breakers retain after the iteration's run, per breaker. */
    @TearDown(Level.Iteration)
    public void printRetained() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long with = usedAfterGc(memory);
        int held = calls.size();
        calls = null;
        long without = usedAfterGc(memory);
        System.out.printf(
                "%n[retained] impl=%s tasks=%d: %d bytes per breaker (%d breakers)%n",
                impl, tasks, (with - without) / held, held);
    }

    private static long usedAfterGc(MemoryMXBean memory) {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
