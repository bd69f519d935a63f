package dev.reliability.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The physical floor the decorators are measured against: what a call, a volatile read, a shared counter and a clock
 * read cost on this machine, in the same run.
 *
 * <p>The state is shared by all benchmark threads ({@link Scope#Benchmark}), so at 2 threads the LongAdder increment
 * shows the cost of a contended counter and the volatile read that of a shared flag, as in a shared breaker.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class Baselines {

    private volatile Object flag;
    private LongAdder adder;

    /** Prepares the shared flag and counter for a trial. */
    @Setup
    public void setUp() {
        flag = new Object();
        adder = new LongAdder();
    }

    /**
     * Reads a volatile field, the cheapest state check a breaker can make.
     *
     * @return the field's value, consumed by JMH
     */
    @Benchmark
    public Object volatileRead() {
        return flag;
    }

    /** Increments a LongAdder shared by all threads, the cheapest contended counter in the JDK. */
    @Benchmark
    public void longAdderIncrement() {
        adder.increment();
    }

    /**
     * Makes the trivial call that the decorator benchmarks wrap, through its supplier.
     *
     * @param callee the call
     * @return the call's result, consumed by JMH
     */
    @Benchmark
    public Object plainCall(Callee callee) {
        return callee.supplier.get();
    }

    /**
     * Reads {@link System#nanoTime()}: the price of any clock read on a hot path.
     *
     * @return the time, consumed by JMH
     */
    @Benchmark
    public long nanoTime() {
        return System.nanoTime();
    }
}
