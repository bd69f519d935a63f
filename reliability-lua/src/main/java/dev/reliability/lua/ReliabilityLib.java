package dev.reliability.lua;

import dev.reliability.TimeSource;
import dev.reliability.registry.Registry;
import java.lang.System.Logger;
import java.util.random.RandomGenerator;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.TwoArgFunction;

/** The seed's {@code reliability} module. */
final class ReliabilityLib extends TwoArgFunction {
    private final TimeSource timeSource;
    private final RandomGenerator random;
    private final LuaCircuitBreakers breakers;
    private final ErrorTypes types = new ErrorTypes();
    /** Parsed {@code retry_with_config} tables; a LuaRetry is immutable, so one serves every call with its table. */
    private final ConfigCache<LuaRetry> retries = new ConfigCache<>(LuaRetry.KEYS);

    ReliabilityLib(Registry registry, Logger logger) {
        this.timeSource = registry.timeSource();
        this.random = registry.random();
        this.breakers = new LuaCircuitBreakers(registry, logger);
    }

    @Override
    public LuaValue call(LuaValue modname, LuaValue env) {
        LuaTable module = new LuaTable();
        Modules.add(module, new ModuleFunction("retry") {
            @Override
            Varargs apply(Varargs args) {
                int maxAttempts = Args.integer(args, 1, name, 1);
                LuaRetry retry = LuaRetry.simple(maxAttempts, Args.seconds(args, 2, name));
                return retry.run(Args.function(args, 3, name), timeSource, random, types);
            }
        });
        Modules.add(module, new ModuleFunction("retry_with_config") {
            @Override
            Varargs apply(Varargs args) {
                LuaValue table = args.arg1();
                LuaRetry retry = table.istable() ? retries.get(null, (LuaTable) table) : null;
                if (retry == null) {
                    retry = LuaRetry.fromConfig(ConfigTable.of(args, 1, name, LuaRetry.KEYS));
                    retries.put(null, (LuaTable) table, retry);
                }
                return retry.run(Args.function(args, 2, name), timeSource, random, types);
            }
        });
        Modules.add(module, new ModuleFunction("circuit_breaker") {
            @Override
            Varargs apply(Varargs args) {
                return breakers.call(args, name, types);
            }
        });
        Modules.add(module, new ModuleFunction("get_circuit_stats") {
            @Override
            Varargs apply(Varargs args) {
                return breakers.stats(Args.text(args, 1, name));
            }
        });
        Modules.add(module, new ModuleFunction("list_circuits") {
            @Override
            Varargs apply(Varargs args) {
                return breakers.names();
            }
        });
        Modules.add(module, new ModuleFunction("reset_circuit") {
            @Override
            Varargs apply(Varargs args) {
                return breakers.reset(Args.text(args, 1, name));
            }
        });
        Modules.add(module, errorConstructor("retryable", ErrorTypes.Type.RETRYABLE));
        Modules.add(module, errorConstructor("non_retryable", ErrorTypes.Type.NON_RETRYABLE));
        Modules.add(module, new ModuleFunction("error_type") {
            @Override
            Varargs apply(Varargs args) {
                ErrorTypes.Type type = types.typeOf(args.arg1());
                return type == null ? LuaValue.NIL : type.luaName;
            }
        });
        LuaTable strategy = new LuaTable();
        strategy.set("FIXED_DELAY", "fixed");
        strategy.set("EXPONENTIAL_BACKOFF", "exponential");
        strategy.set("LINEAR_BACKOFF", "linear");
        strategy.set("CUSTOM_BACKOFF", "custom");
        module.set("strategy", strategy);
        return Modules.register(env, "reliability", module);
    }

    /** {@code retryable(msg)} and {@code non_retryable(msg)}: the message itself, remembered with its type. */
    private ModuleFunction errorConstructor(String name, ErrorTypes.Type type) {
        return new ModuleFunction(name) {
            @Override
            Varargs apply(Varargs args) {
                Args.string(args, 1, name); // checks the type
                return types.remember(type, args.arg1().strvalue());
            }
        };
    }
}
