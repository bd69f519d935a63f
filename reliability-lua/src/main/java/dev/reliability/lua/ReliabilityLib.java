package dev.reliability.lua;

import dev.reliability.TimeSource;
import java.util.random.RandomGenerator;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.TwoArgFunction;

/** The seed's {@code reliability} module. */
final class ReliabilityLib extends TwoArgFunction {
    private final TimeSource timeSource;
    private final RandomGenerator random;

    ReliabilityLib(TimeSource timeSource, RandomGenerator random) {
        this.timeSource = timeSource;
        this.random = random;
    }

    @Override
    public LuaValue call(LuaValue modname, LuaValue env) {
        LuaTable module = new LuaTable();
        Modules.add(module, new ModuleFunction("retry") {
            @Override
            Varargs apply(Varargs args) {
                int maxAttempts = Args.integer(args, 1, name, 1);
                LuaRetry retry = LuaRetry.simple(maxAttempts, Args.seconds(args, 2, name));
                return retry.run(Args.function(args, 3, name), timeSource, random);
            }
        });
        Modules.add(module, new ModuleFunction("retry_with_config") {
            @Override
            Varargs apply(Varargs args) {
                LuaRetry retry = LuaRetry.fromConfig(ConfigTable.of(args, 1, name, LuaRetry.KEYS));
                return retry.run(Args.function(args, 2, name), timeSource, random);
            }
        });
        Modules.add(module, errorConstructor("retryable", ErrorValues.Type.RETRYABLE));
        Modules.add(module, errorConstructor("non_retryable", ErrorValues.Type.NON_RETRYABLE));
        Modules.add(module, new ModuleFunction("error_type") {
            @Override
            Varargs apply(Varargs args) {
                ErrorValues.Type type = ErrorValues.typeOf(args.arg1());
                return type == null ? LuaValue.NIL : LuaValue.valueOf(type.luaName);
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

    private static ModuleFunction errorConstructor(String name, ErrorValues.Type type) {
        return new ModuleFunction(name) {
            @Override
            Varargs apply(Varargs args) {
                return ErrorValues.create(type, Args.string(args, 1, name));
            }
        };
    }
}
