package dev.reliability.lua;

import dev.reliability.CheckedSupplier;
import dev.reliability.circuitbreaker.CallNotPermittedException;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.circuitbreaker.CircuitStats;
import dev.reliability.circuitbreaker.StateTransition;
import dev.reliability.registry.Registry;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * {@code reliability.circuit_breaker} and the functions that inspect breakers, on the runtime's {@link Registry}.
 *
 * <p>{@code fn} fails by the same rule as in retry (a raise, or a nil/false first result). A rejected call returns
 * {@code nil} and a {@code circuit_open} error string without calling {@code fn}; a failure's error is always a string. {@code on_state_change(from, to)} runs
 * synchronously for each transition the call causes: the registry's listeners run on the calling thread, so the
 * {@link #STATE_CHANGES} listener finds the callbacks of the calls in progress on that thread.
 */
final class LuaCircuitBreakers {
    static final Set<String> KEYS =
            Set.of("max_failures", "timeout", "success_threshold", "half_open_max_calls", "on_state_change");

    /** The same predicate instance in every config, so equal Lua configs give equal breaker configs. */
    @SuppressWarnings("UnnecessaryLambda") // one instance is the point: configs compare their predicates by identity
    private static final Predicate<Object> FAILED_RESULT = result -> LuaRetry.failed((Varargs) result);

    /** Forwards transitions to the {@code on_state_change} of the calls running on the transition's thread. */
    static final CircuitBreakerListener STATE_CHANGES = new CircuitBreakerListener() {
        @Override
        public void onStateTransition(StateTransition transition) {
            for (CallFrame frame = CURRENT.get(); frame != null; frame = frame.outer) {
                if (frame.breaker.equals(transition.breakerName())) {
                    frame.onStateChange.call(
                            LuaValue.valueOf(transition.from().externalName()),
                            LuaValue.valueOf(transition.to().externalName()));
                    return;
                }
            }
        }

        @Override
        public String toString() {
            return "ReliabilityLua.stateChangeListener()";
        }
    };

    private static final ThreadLocal<CallFrame> CURRENT = new ThreadLocal<>();

    private record CallFrame(String breaker, LuaFunction onStateChange, CallFrame outer) {}

    private final Registry registry;
    private final Logger logger;
    private final Set<String> warnedConfigs = ConcurrentHashMap.newKeySet();
    /** Per breaker name, the breaker and callback a config table gave, so a call with the same table skips both. */
    private final ConfigCache<Prepared> prepared = new ConfigCache<>(KEYS);

    /** Counts removals from the registry: a prepared breaker is the registry's while the count is unchanged. */
    private final BreakerRemovals removals;

    private record Prepared(String name, CircuitBreaker breaker, LuaFunction onStateChange, int removals) {}

    /** The invocation no call is using, or null while calls are nested. */
    private Invocation spare;

    LuaCircuitBreakers(Registry registry, Logger logger) {
        this.registry = registry;
        this.logger = logger;
        this.removals = BreakerRemovals.of(registry);
    }

    /** {@code circuit_breaker(name, cfg, fn)}; an unchanged config table for a name is not read again. */
    Varargs call(Varargs args, String function, ErrorTypes types) {
        LuaValue nameArg = args.arg1();
        LuaValue table = args.arg(2);
        Prepared call = nameArg.type() == LuaValue.TSTRING && table.istable()
                ? prepared.get(nameArg.strvalue(), (LuaTable) table)
                : null;
        if (call == null || call.removals() != removals.count()) {
            int removed = removals.count(); // before the lookup: a removal during it sends the next call back here
            String name = Args.text(args, 1, function);
            ConfigTable config = ConfigTable.of(args, 2, function, KEYS);
            LuaFunction onStateChange = config.function("on_state_change"); // every check before the breaker exists
            Args.function(args, 3, function);
            call = new Prepared(name, breaker(name, breakerConfig(config)), onStateChange, removed);
            prepared.put(nameArg.strvalue(), (LuaTable) table, call);
        }
        return call(call.name(), call.breaker(), call.onStateChange(), Args.function(args, 3, function), types);
    }

    private Varargs call(
            String name, CircuitBreaker breaker, LuaFunction onStateChange, LuaFunction fn, ErrorTypes types) {
        CallFrame outer = null;
        if (onStateChange != null) { // without a callback there is no frame to find: the thread-local is not touched
            outer = CURRENT.get();
            CURRENT.set(new CallFrame(name, onStateChange, outer));
        }
        Invocation invocation = spare != null ? spare : new Invocation();
        spare = null;
        invocation.fn = fn;
        try {
            Varargs result = breaker.execute(invocation);
            return LuaRetry.failed(result)
                            && !result.arg(2).isnil()
                            && result.arg(2).type() != LuaValue.TSTRING
                    ? LuaValue.varargsOf(result.arg1(), LuaRetry.errorOf(result), result.subargs(3))
                    : result;
        } catch (CallNotPermittedException rejected) {
            LuaString message = LuaValues.bytes("circuit breaker '" + name + "' is open");
            return LuaValue.varargsOf(LuaValue.NIL, types.remember(ErrorTypes.Type.CIRCUIT_OPEN, message));
        } catch (LuaError raised) {
            return LuaValue.varargsOf(LuaValue.NIL, LuaRetry.errorOf(raised));
        } finally {
            invocation.fn = null;
            spare = invocation;
            if (onStateChange != null) {
                CURRENT.set(outer);
            }
        }
    }

    /**
     * Hands {@code fn} to the breaker. One is kept for the next call instead of a new lambda per call; a call made
     * while another is in progress (from {@code fn} or a callback) finds none spare and takes a new one.
     */
    private static final class Invocation implements CheckedSupplier<Varargs, RuntimeException> {
        LuaFunction fn;

        @Override
        public Varargs get() {
            return fn.invoke();
        }
    }

    private static CircuitBreakerConfig breakerConfig(ConfigTable config) {
        int successThreshold = config.integer("success_threshold", 1, CircuitBreakerConfig.DEFAULT_SUCCESS_THRESHOLD);
        Duration timeout = config.positiveSeconds("timeout", CircuitBreakerConfig.DEFAULT_OPEN_DURATION);
        return CircuitBreakerConfig.builder()
                .failureThreshold(config.integer("max_failures", 1, CircuitBreakerConfig.DEFAULT_FAILURE_THRESHOLD))
                .openDuration(timeout)
                .successThreshold(successThreshold)
                .halfOpenPermits(config.integer("half_open_max_calls", 1, successThreshold))
                .recordResult(FAILED_RESULT)
                .build();
    }

    /** The named breaker; one that exists keeps its first config, and a different one is logged once per name. */
    private CircuitBreaker breaker(String name, CircuitBreakerConfig config) {
        try {
            return registry.circuitBreaker(name, config);
        } catch (IllegalStateException differentConfig) {
            CircuitBreaker existing = registry.find(name).orElseThrow(() -> differentConfig);
            if (warnedConfigs.add(name)) {
                logger.log(
                        Level.WARNING,
                        "circuit breaker '" + name + "' keeps the config it was created with; " + "a call asked for "
                                + describe(config) + ", it has " + describe(existing.config()));
            }
            return existing;
        }
    }

    private static String describe(CircuitBreakerConfig config) {
        return "max_failures=" + config.failureThreshold() + " timeout="
                + Args.format(Args.seconds(config.openDuration()))
                + " success_threshold=" + config.successThreshold() + " half_open_max_calls="
                + config.halfOpenPermits();
    }

    /** {@code get_circuit_stats(name)}: the seed's fields, or nil for an unknown name. */
    LuaValue stats(String name) {
        Optional<CircuitBreaker> breaker = registry.find(name);
        if (breaker.isEmpty()) {
            return LuaValue.NIL;
        }
        CircuitStats stats = breaker.get().stats();
        LuaTable table = new LuaTable();
        table.set("state", stats.state().externalName());
        table.set("requests", (double) stats.requests());
        table.set("total_success", (double) stats.totalSuccess());
        table.set("total_failures", (double) stats.totalFailures());
        table.set("consecutive_success", (double) stats.consecutiveSuccess());
        table.set("consecutive_failures", (double) stats.consecutiveFailures());
        table.set("rejected", (double) stats.rejected());
        table.set("last_success_time", epochSeconds(stats.lastSuccessTime()));
        table.set("last_failure_time", epochSeconds(stats.lastFailureTime()));
        return table;
    }

    private static LuaValue epochSeconds(Instant instant) {
        return instant == null ? LuaValue.NIL : LuaValue.valueOf(instant.toEpochMilli() / 1000.0);
    }

    /** {@code list_circuits()}: the registry's names, sorted. */
    LuaTable names() {
        return LuaValues.array(registry.circuitBreakerNames());
    }

    /** {@code reset_circuit(name)}: true, or false and a message. */
    Varargs reset(String name) {
        return registry.reset(name)
                ? LuaValue.TRUE
                : LuaValue.varargsOf(LuaValue.FALSE, LuaValues.bytes("circuit breaker not found: " + name));
    }
}
