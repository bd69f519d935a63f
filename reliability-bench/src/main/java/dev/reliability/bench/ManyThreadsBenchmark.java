package dev.reliability.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Closed acquire-and-record with 64 live benchmark threads on one shared breaker per library: a server's thread pool,
 * far more threads than cores. Per-thread counting would grow with the threads; ours stripes by core and must stay
 * flat. Same breakers and configuration as {@link CircuitBreakerBenchmark}, plus a shared {@link LongAdder} as the
 * floor of a contended counter in the same run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(3)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(64)
public class ManyThreadsBenchmark {

    /**
     * A counter shared by all benchmark threads.
     *
     * <p>Thread-safety: a {@link LongAdder} is thread-safe.
     */
    @State(Scope.Benchmark)
    public static class Adder {
        LongAdder adder;

        /** Creates the counter. */
        @Setup
        public void setUp() {
            adder = new LongAdder();
        }
    }

    /**
     * Acquires a permission on a closed breaker and records a success, from 64 threads at once.
     *
     * @param b the breakers
     * @return whether the permission was granted, consumed by JMH
     */
    @Benchmark
    public boolean closedAcquireAndRecord(CircuitBreakerBenchmark.Breakers b) {
        return b.ops.closedAcquireAndRecord();
    }

    /**
     * Increments a {@link LongAdder} shared by 64 threads: the floor of a contended counter.
     *
     * @param a the counter
     */
    @Benchmark
    public void longAdderIncrement(Adder a) {
        a.adder.increment();
    }
}
