package dev.reliability.lua;

import dev.reliability.TimeSource;
import dev.reliability.state.AbstractStateStore;
import dev.reliability.state.StateStore;
import dev.reliability.state.StateStoreException;
import dev.reliability.state.StateValue;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.TwoArgFunction;

/**
 * The seed's {@code state} module on a {@link StateStore}. Values keep their Lua type; every argument is checked before
 * the store is touched, so bad input changes nothing. Locks are owned by this runtime: another runtime, even in the
 * same JVM, cannot release them.
 */
final class StateLib extends TwoArgFunction {
    /** How long a lock taken by {@code lock} or {@code with_lock} is held unless released: 60 s. */
    static final Duration DEFAULT_LOCK_TTL = Duration.ofSeconds(60);

    private static final Duration FIRST_LOCK_POLL = Duration.ofMillis(10);
    private static final Duration MAX_LOCK_POLL = Duration.ofMillis(500);

    private final StateStore store;
    private final TimeSource timeSource;
    private final String owner;
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final Set<String> takenThisRun = ConcurrentHashMap.newKeySet();
    /** The last valid key argument: converting and checking a key costs more than the memory store's increment. */
    private CheckedKey lastKey; // racy on purpose: a record of final fields is never seen half-built

    StateLib(StateStore store, TimeSource timeSource, String owner) {
        this.store = store;
        this.timeSource = timeSource;
        this.owner = owner;
    }

    @Override
    public LuaValue call(LuaValue modname, LuaValue env) {
        if (env instanceof org.luaj.vm2.Globals globals && globals.debuglib instanceof ResourceGuard guard) {
            guard.atRunEnd(this::runEnded);
        }
        LuaTable module = new LuaTable();
        Modules.add(module, function("set", args -> {
            String key = key(args, "set");
            StateValue value = LuaValues.toState(args, 2, "set");
            Duration ttl = args.arg(3).isnil() ? null : ttl(args, 3, "set");
            return writing(2, "set", () -> {
                if (ttl == null) {
                    store.set(key, value);
                } else {
                    store.set(key, value, ttl);
                }
                return LuaValue.TRUE;
            });
        }));
        Modules.add(module, function("get", args -> {
            String key = key(args, "get");
            Optional<StateValue> value = store.get(key);
            return value.isPresent() ? LuaValues.toLua(value.get(), key, "get") : args.arg(2);
        }));
        Modules.add(module, function("delete", args -> LuaValue.valueOf(store.delete(key(args, "delete")))));
        Modules.add(module, function("exists", args -> LuaValue.valueOf(store.exists(key(args, "exists")))));
        Modules.add(module, function("keys", args -> {
            String pattern = args.arg1().isnil() ? "*" : text(args, 1, "keys");
            return LuaValues.array(store.keys(pattern));
        }));
        Modules.add(module, function("clear", args -> LuaValue.valueOf((double) store.clear(text(args, 1, "clear")))));
        Modules.add(module, function("increment", args -> add(args, "increment", 1)));
        Modules.add(module, function("decrement", args -> add(args, "decrement", -1)));
        Modules.add(module, function("append", args -> {
            String key = key(args, "append");
            String text = text(args, 2, "append");
            String separator = args.arg(3).isnil() ? "" : text(args, 3, "append");
            return writing(2, "append", () -> LuaValue.valueOf((double) store.append(key, text, separator)));
        }));
        Modules.add(module, function("set_ttl", args -> {
            String key = key(args, "set_ttl");
            return LuaValue.valueOf(store.setTtl(key, ttl(args, 2, "set_ttl")));
        }));
        Modules.add(module, function("get_ttl", args -> {
            Optional<Duration> ttl = store.getTtl(key(args, "get_ttl"));
            return ttl.isPresent() ? LuaValue.valueOf(Args.seconds(ttl.get())) : LuaValue.NIL;
        }));
        Modules.add(module, function("compare_swap", args -> {
            String key = key(args, "compare_swap");
            Optional<StateValue> expected =
                    args.arg(2).isnil() ? Optional.empty() : Optional.of(LuaValues.toState(args, 2, "compare_swap"));
            StateValue replacement = LuaValues.toState(args, 3, "compare_swap");
            return writing(3, "compare_swap", () -> LuaValue.valueOf(store.compareAndSet(key, expected, replacement)));
        }));
        Modules.add(module, function("list_push", args -> {
            String key = key(args, "list_push");
            StateValue value = LuaValues.toState(args, 2, "list_push");
            return writing(2, "list_push", () -> LuaValue.valueOf((double) store.listPush(key, value)));
        }));
        Modules.add(module, function("list_pop", args -> {
            String key = key(args, "list_pop");
            Optional<StateValue> value = store.listPop(key);
            return value.isPresent() ? LuaValues.toLua(value.get(), key, "list_pop") : LuaValue.NIL;
        }));
        Modules.add(
                module,
                function("list_length", args -> LuaValue.valueOf((double) store.listLength(key(args, "list_length")))));
        Modules.add(module, function("try_lock", args -> {
            String name = key(args, "try_lock");
            return LuaValue.valueOf(acquire(name, ttl(args, 2, "try_lock")));
        }));
        Modules.add(module, function("lock", args -> {
            String name = key(args, "lock");
            Duration timeout = Args.seconds(args, 2, "lock");
            return LuaValue.valueOf(waitFor(name, timeout));
        }));
        Modules.add(module, function("unlock", args -> LuaValue.valueOf(release(args.arg1()))));
        Modules.add(module, function("with_lock", args -> {
            String name = key(args, "with_lock");
            LuaFunction fn = Args.function(args, 2, "with_lock");
            Duration timeout = args.arg(3).isnil() ? Duration.ZERO : Args.seconds(args, 3, "with_lock");
            if (!waitFor(name, timeout)) {
                return LuaValue.varargsOf(
                        LuaValue.NIL,
                        LuaValue.valueOf("could not acquire lock '" + name + "' within "
                                + Args.format(Args.seconds(timeout)) + "s"));
            }
            try {
                return fn.invoke();
            } finally {
                release(LuaValues.bytes(name));
            }
        }));
        Modules.add(module, function("stats", args -> {
            LuaTable stats = new LuaTable();
            stats.set("keys", store.keys("*").size());
            stats.set("locks_held", held.size());
            stats.set("owner", owner);
            return stats;
        }));
        return Modules.register(env, "state", module);
    }

    private Varargs add(Varargs args, String function, int sign) {
        String key = key(args, function);
        double delta = args.arg(2).isnil() ? 1 : Args.number(args, 2, function);
        if (Double.isNaN(delta) || Double.isInfinite(delta)) {
            throw LuaErrors.badArgument(2, function, "finite number expected, got " + Args.format(delta));
        }
        try {
            if (delta == Math.rint(delta)) {
                if (Math.abs(delta) > LuaValues.MAX_EXACT) {
                    throw LuaErrors.badArgument(
                            2, function, "whole number within 2^53 expected, got " + Args.format(delta));
                }
                return addWhole(key, sign * (long) delta, function);
            }
            return LuaValue.valueOf(store.increment(key, sign * delta));
        } catch (StateStoreException failure) {
            throw storeError(function, key, failure);
        }
    }

    /**
     * A whole-number increment whose result a Lua number holds exactly. The result is checked after the atomic
     * increment; one beyond 2^53 is undone and raised, so the key ends as it was.
     */
    private LuaValue addWhole(String key, long delta, String function) {
        long result = store.increment(key, delta);
        if (Math.abs(result) > LuaValues.MAX_EXACT) {
            store.increment(key, -delta);
            throw new LuaError(function + ": the result for '" + key + "' (" + result
                    + ") would be beyond 2^53 and has no exact Lua number; the value is unchanged");
        }
        return LuaValue.valueOf((double) result);
    }

    private static LuaError storeError(String function, String key, StateStoreException failure) {
        return switch (failure.kind()) {
            case WRONG_TYPE -> new LuaError(function + ": value of '" + key + "' is not a number");
            case OVERFLOW -> new LuaError(function + ": the result for '" + key + "' does not fit a number");
            default -> LuaErrors.translate(function, failure);
        };
    }

    private boolean acquire(String name, Duration ttl) {
        if (store.tryLock(name, owner, ttl)) {
            held.add(name);
            takenThisRun.add(name);
            return true;
        }
        return false;
    }

    /** Polls for the lock with doubling pauses until it is taken or {@code timeout} has passed. */
    private boolean waitFor(String name, Duration timeout) {
        long deadline = timeSource.nanoTime() + timeout.toNanos();
        Duration pause = FIRST_LOCK_POLL;
        while (!acquire(name, DEFAULT_LOCK_TTL)) {
            long left = deadline - timeSource.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                ResourceGuard.sleep(timeSource, pause.toNanos() < left ? pause : Duration.ofNanos(left));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new LuaError("lock: interrupted while waiting for '" + name + "'");
            }
            pause = pause.multipliedBy(2).compareTo(MAX_LOCK_POLL) > 0 ? MAX_LOCK_POLL : pause.multipliedBy(2);
        }
        return true;
    }

    /**
     * A run that ends with an error or a limit releases the locks it took, so they do not outlive it until their TTL;
     * a run that returns keeps them, as its script chose (a {@code try_lock} with a TTL may be meant to outlive it).
     */
    private void runEnded(boolean failed) {
        if (failed) {
            for (String name : Set.copyOf(takenThisRun)) {
                if (held.contains(name)) {
                    release(LuaValue.valueOf(name));
                }
            }
        }
        takenThisRun.clear();
    }

    /** {@code unlock(name)}: true if this runtime held the lock; never raises. */
    private boolean release(LuaValue name) {
        if (!name.isstring()) {
            return false;
        }
        String lock = LuaValues.text(name.strvalue());
        try {
            boolean released = store.unlock(lock, owner);
            held.remove(lock);
            return released;
        } catch (RuntimeException failure) {
            return false;
        }
    }

    /** Argument 1 as a key (or lock name), checked by the store's rules before anything runs. */
    @SuppressWarnings("ReferenceEquality") // the same instance, not an equal string, lets the check be skipped
    private String key(Varargs args, String function) {
        LuaValue value = args.arg1();
        CheckedKey last = lastKey;
        if (last != null && last.lua == value) {
            return last.text; // the same string instance as the last call's, such as a constant in a loop
        }
        String key = text(args, 1, function);
        try {
            AbstractStateStore.checkKey(key, "key");
        } catch (IllegalArgumentException invalid) {
            throw LuaErrors.badArgument(1, function, invalid.getMessage());
        }
        lastKey = new CheckedKey(value, key);
        return key;
    }

    /** A key argument and its checked store text; one object, so a reader never pairs one key with another's text. */
    private record CheckedKey(LuaValue lua, String text) {}

    /** A string argument in the store's text form (see {@link LuaValues#text}), so its bytes survive. */
    private static String text(Varargs args, int index, String function) {
        LuaValue value = args.arg(index);
        if (!value.isstring()) {
            throw LuaErrors.badArgumentType(index, function, "string", value);
        }
        return LuaValues.text(value.strvalue());
    }

    /** Runs a write whose only remaining bad input is the value (argument {@code index}), such as an oversized one. */
    private static <T> T writing(int index, String function, java.util.function.Supplier<T> write) {
        try {
            return write.get();
        } catch (IllegalArgumentException invalid) {
            throw LuaErrors.badArgument(index, function, invalid.getMessage());
        }
    }

    private static Duration ttl(Varargs args, int index, String function) {
        double seconds = Args.number(args, index, function);
        if (!(seconds > 0) || Double.isInfinite(seconds)) {
            throw LuaErrors.badArgument(
                    index, function, "positive number of seconds expected, got " + Args.format(seconds));
        }
        // A positive ttl below a nanosecond is the shortest ttl, not zero; stores round it up to a millisecond.
        Duration ttl = Args.toDuration(seconds, () -> LuaErrors.badArgument(index, function, "ttl too large"));
        if (ttl.isZero()) {
            ttl = Duration.ofNanos(1);
        }
        if (ttl.compareTo(StateStore.MAX_TTL) > 0) {
            throw LuaErrors.badArgument(
                    index,
                    function,
                    "ttl of at most " + StateStore.MAX_TTL.toDays() + " days expected, got " + Args.format(seconds));
        }
        return ttl;
    }

    private static ModuleFunction function(String name, java.util.function.Function<Varargs, Varargs> body) {
        return new ModuleFunction(name) {
            @Override
            Varargs apply(Varargs args) {
                return body.apply(args);
            }
        };
    }
}
