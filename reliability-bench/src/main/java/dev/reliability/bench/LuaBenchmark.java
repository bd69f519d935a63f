package dev.reliability.bench;

import dev.reliability.lua.LuaSandbox;
import dev.reliability.lua.ReliabilityLua;
import dev.reliability.state.StateStore;
import dev.reliability.state.memory.MemoryStateStore;
import java.util.concurrent.TimeUnit;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaValue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A call through {@code reliability.circuit_breaker} from Lua against a plain Lua function call: what the Lua binding
 * adds to a call on a closed breaker.
 *
 * <p>Each thread has its own sandboxed runtime ({@link LuaSandbox#create}; a LuaJ runtime is for one thread). A setup
 * chunk defines the global config table {@code cfg} (open after 5 failures, for 60 s, as in
 * {@link CircuitBreakerBenchmark}) and the global function {@code fn}, which returns {@code true}. Each benchmark
 * calls a chunk compiled once at setup: {@code return reliability.circuit_breaker("b", cfg, fn)} against {@code
 * return fn()}, so both pay the chunk call and the global lookups, and the difference is the binding: reading the
 * config table, finding the breaker in the registry, and the breaker's own work.
 *
 * <p>The runtime is built with no instruction limit ({@code instructionLimit(0)}): the limit is a budget per sandboxed
 * run, and a benchmark calling one chunk millions of times without a new run would exhaust it. The instruction hook
 * that counts and checks the heap still runs on every instruction, as in a sandboxed run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LuaBenchmark {

    static final String SETUP = "cfg = { max_failures = " + CircuitBreakerBenchmark.FAILURE_THRESHOLD + ", timeout = "
            + CircuitBreakerBenchmark.OPEN_DURATION.toSeconds() + " }\n"
            + "fn = function() return true end\n"
            + "rcfg = { max_attempts = 3, initial_delay = 0.1 }\n";

    /**
     * One thread's runtime and the two precompiled chunks.
     *
     * <p>Thread-safety: confined to one benchmark thread.
     */
    @State(Scope.Thread)
    public static class Lua {
        LuaValue breakerCall;
        LuaValue plainCall;
        LuaValue retryCall;
        LuaValue luaIncrement;
        StateStore store;

        /**
         * Builds the runtime, runs the setup chunk and compiles the two measured chunks.
         *
         * @throws IllegalStateException if a chunk does not return {@code true}
         */
        @Setup
        public void setUp() {
            store = MemoryStateStore.ofDefaults();
            Globals globals = LuaSandbox.create(ReliabilityLua.builder()
                    .instructionLimit(0)
                    .stateStore(store)
                    .build());
            globals.load(SETUP, "setup.lua").call();
            breakerCall = globals.load("return reliability.circuit_breaker(\"b\", cfg, fn)", "bench.lua");
            plainCall = globals.load("return fn()", "bench.lua");
            retryCall = globals.load("return reliability.retry_with_config(rcfg, fn)", "bench.lua");
            luaIncrement = globals.load("return state.increment(\"n\")", "bench.lua");
            check(breakerCall);
            check(plainCall);
            check(retryCall);
            check(luaIncrement);
        }

        private static void check(LuaValue chunk) {
            LuaValue result = chunk.call();
            if (!result.toboolean()) {
                throw new IllegalStateException("the chunk returned " + result);
            }
        }
    }

    /**
     * Calls {@code fn} through {@code reliability.circuit_breaker} on a closed breaker.
     *
     * @param r this thread's runtime
     * @return the chunk's first result, consumed by JMH
     */
    @Benchmark
    public LuaValue breakerCall(Lua r) {
        return r.breakerCall.call();
    }

    /**
     * Calls {@code fn} through {@code reliability.retry_with_config}; it succeeds at the first attempt.
     *
     * @param r this thread's runtime
     * @return the chunk's first result, consumed by JMH
     */
    @Benchmark
    public LuaValue retryCall(Lua r) {
        return r.retryCall.call();
    }

    /**
     * {@code state.increment("n")} on the memory store, from Lua.
     *
     * @param r this thread's runtime
     * @return the chunk's first result, consumed by JMH
     */
    @Benchmark
    public LuaValue stateIncrement(Lua r) {
        return r.luaIncrement.call();
    }

    /**
     * The same increment as a Java call on the store: the baseline for {@link #stateIncrement}.
     *
     * @param r this thread's runtime
     * @return the new value, consumed by JMH
     */
    @Benchmark
    public long storeIncrement(Lua r) {
        return r.store.increment("n", 1L);
    }

    /**
     * Calls {@code fn} directly: the baseline.
     *
     * @param r this thread's runtime
     * @return the chunk's first result, consumed by JMH
     */
    @Benchmark
    public LuaValue plainCall(Lua r) {
        return r.plainCall.call();
    }
}
