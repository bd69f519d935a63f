package dev.reliability.bench;

import dev.reliability.CheckedSupplier;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The trivial call that every decorator in the benchmarks wraps: it returns a preallocated object, so it allocates
 * nothing and any bytes per operation come from the decorator.
 *
 * <p>The result lives in a non-final field of a state object, so the JIT cannot fold the call into a constant. The
 * supplier is created once per trial, because a lambda capturing per-call state would allocate and be measured.
 *
 * <p>Thread-safety: shared by all benchmark threads ({@link Scope#Benchmark}); the threads only read it.
 */
@State(Scope.Benchmark)
public class Callee {

    /** What the call returns; not final, so it is read on every call. */
    public Object result;

    /** The call in this library's shape. */
    public CheckedSupplier<Object, RuntimeException> supplier;

    /** Prepares the result and the supplier for a trial. */
    @Setup
    public void setUp() {
        result = new Object();
        supplier = this::call;
    }

    /**
     * Returns the result; the method the suppliers of every library delegate to.
     *
     * @return the preallocated result
     */
    public Object call() {
        return result;
    }
}
