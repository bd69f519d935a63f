package dev.reliability.lua;

import dev.reliability.TimeSource;
import dev.reliability.backoff.Backoff;
import dev.reliability.backoff.Jitter;
import dev.reliability.retry.Retry;
import dev.reliability.retry.RetryAttempt;
import dev.reliability.retry.RetryListener;
import dev.reliability.retry.RetryPolicy;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * One {@code reliability.retry} / {@code retry_with_config} call: the seed's configuration, mapped onto a {@link
 * RetryPolicy} and run by a {@link Retry}, so Lua and Java share one retry engine.
 *
 * <p>{@code fn} fails when it raises or when its first result is nil or false (its second result is then the error).
 * On success all of fn's results are returned; otherwise {@code nil, message}, where the message names the attempts
 * made and the last error, and keeps that error's type.
 */
final class LuaRetry {
    static final Set<String> KEYS = Set.of(
            "max_attempts",
            "initial_delay",
            "max_delay",
            "strategy",
            "multiplier",
            "jitter",
            "on_retry",
            "should_retry",
            "custom_delay",
            "retry_on_open");

    private static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(30);

    private final int maxAttempts;
    private final Backoff backoff;
    private final LuaFunction onRetry;
    private final LuaFunction shouldRetry;
    private final boolean retryOnOpen;

    private LuaRetry(int maxAttempts, Backoff backoff, LuaFunction onRetry, LuaFunction shouldRetry, boolean open) {
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
        this.onRetry = onRetry;
        this.shouldRetry = shouldRetry;
        this.retryOnOpen = open;
    }

    /** {@code reliability.retry(max_attempts, initial_delay, fn)}: the defaults, with those two values. */
    static LuaRetry simple(int maxAttempts, Duration initialDelay) {
        Backoff backoff = Backoff.exponential(initialDelay, 2.0)
                .withMaxDelay(max(DEFAULT_MAX_DELAY, initialDelay))
                .withJitter(Jitter.EQUAL);
        return new LuaRetry(maxAttempts, backoff, null, null, false);
    }

    /** {@code reliability.retry_with_config(config, fn)}. */
    static LuaRetry fromConfig(ConfigTable config) {
        int maxAttempts = config.integer("max_attempts", 1, 3);
        Duration initialDelay = config.seconds("initial_delay", Duration.ofSeconds(1));
        Duration maxDelay = config.seconds("max_delay", null);
        if (maxDelay != null && maxDelay.compareTo(initialDelay) < 0) {
            throw config.error("'max_delay' must be >= 'initial_delay', got " + Args.format(Args.seconds(maxDelay))
                    + " < " + Args.format(Args.seconds(initialDelay)));
        }
        double multiplier = config.number("multiplier", 1, 2.0);
        LuaFunction customDelay = config.function("custom_delay");
        String strategy = strategy(config, customDelay);
        Backoff backoff =
                switch (strategy) {
                    case "fixed" -> Backoff.fixed(initialDelay);
                    case "linear" -> Backoff.linear(initialDelay);
                    case "custom" -> Backoff.custom((attempt, failure) -> customDelay(customDelay, attempt));
                    default -> Backoff.exponential(initialDelay, multiplier);
                };
        backoff = backoff.withMaxDelay(maxDelay != null ? maxDelay : max(DEFAULT_MAX_DELAY, initialDelay))
                .withJitter(jitter(config));
        return new LuaRetry(
                maxAttempts,
                backoff,
                config.function("on_retry"),
                config.function("should_retry"),
                config.bool("retry_on_open", false));
    }

    private static String strategy(ConfigTable config, LuaFunction customDelay) {
        LuaValue value = config.raw("strategy");
        String name = value.isnil() ? "exponential" : value.isstring() ? value.tojstring() : null;
        if (name == null || !Set.of("fixed", "exponential", "linear", "custom").contains(name)) {
            throw config.error("'strategy': one of 'fixed', 'exponential', 'linear', 'custom' expected, got "
                    + (value.isstring() ? "'" + value.tojstring() + "'" : value.typename()));
        }
        if (name.equals("custom") != (customDelay != null)) {
            throw config.error(
                    customDelay == null
                            ? "'custom_delay' is required with strategy 'custom'"
                            : "'custom_delay' needs strategy 'custom', got '" + name + "'");
        }
        return name;
    }

    private static Jitter jitter(ConfigTable config) {
        LuaValue value = config.raw("jitter");
        if (value.isnil() || value.isboolean()) {
            return value.isnil() || value.toboolean() ? Jitter.EQUAL : Jitter.NONE;
        }
        if (value.type() == LuaValue.TNUMBER) {
            double factor = value.todouble();
            if (factor >= 0 && factor <= 1) {
                return Jitter.proportional(factor);
            }
        } else if (value.type() == LuaValue.TSTRING) {
            switch (value.tojstring().toLowerCase(Locale.ROOT)) {
                case "full" -> {
                    return Jitter.FULL;
                }
                case "equal" -> {
                    return Jitter.EQUAL;
                }
                case "decorrelated" -> {
                    return Jitter.DECORRELATED;
                }
                case "none" -> {
                    return Jitter.NONE;
                }
                default -> {}
            }
        }
        throw config.error(
                "'jitter': boolean, 'full', 'equal', 'decorrelated', 'none' or a factor in [0, 1] " + "expected, got "
                        + (value.type() == LuaValue.TSTRING ? "'" + value.tojstring() + "'" : LuaErrors.text(value)));
    }

    private static Duration customDelay(LuaFunction function, int attempt) {
        LuaValue delay = callback(() -> function.call(LuaValue.valueOf(attempt)));
        if (delay.type() != LuaValue.TNUMBER) {
            throw new CallbackFailure(new LuaError(
                    "bad result from 'custom_delay' (number of seconds expected, got " + delay.typename() + ")"));
        }
        return Args.toDuration(
                delay.todouble(),
                () -> new CallbackFailure(
                        new LuaError("bad result from 'custom_delay' (" + Args.mustBeSeconds(delay.todouble()) + ")")));
    }

    /** Runs {@code fn} under this configuration, returning the seed's results; typed errors are looked up in types. */
    Varargs run(LuaFunction fn, TimeSource timeSource, RandomGenerator random, ErrorTypes types) {
        // The first attempt runs before any retry machinery is built: most calls succeed at once, and pay nothing more.
        Varargs first;
        LuaError firstRaised = null;
        try {
            first = fn.invoke();
        } catch (LuaError raised) {
            first = null;
            firstRaised = raised;
        }
        if (firstRaised == null && !failed(first)) {
            return first;
        }
        return retry(new Replay(first, firstRaised, fn), timeSource, random, types);
    }

    /** Gives the Java retry the first attempt's outcome as its attempt 1, then calls {@code fn} again. */
    private static final class Replay implements dev.reliability.CheckedSupplier<Varargs, RuntimeException> {
        private final Varargs first;
        private final LuaError firstRaised;
        private final LuaFunction fn;
        private boolean replayed;

        Replay(Varargs first, LuaError firstRaised, LuaFunction fn) {
            this.first = first;
            this.firstRaised = firstRaised;
            this.fn = fn;
        }

        @Override
        public Varargs get() {
            if (replayed) {
                return fn.invoke();
            }
            replayed = true;
            if (firstRaised != null) {
                throw firstRaised;
            }
            return first;
        }
    }

    private Varargs retry(Replay attempts, TimeSource timeSource, RandomGenerator random, ErrorTypes types) {
        Progress progress = new Progress(types);
        RetryPolicy policy = RetryPolicy.builder()
                .maxAttempts(maxAttempts)
                .backoff(backoff)
                .retryIf(failure -> failure instanceof LuaError raised && retries(errorOf(raised), types))
                .retryOnResult(result -> failed((Varargs) result) && retries(errorOf((Varargs) result), types))
                .listener(progress)
                .build();
        Retry retry = Retry.of("lua", policy, ResourceGuard.bounded(timeSource), random);
        try {
            Varargs result = retry.execute(attempts);
            return failed(result) ? LuaValue.varargsOf(LuaValue.NIL, progress.message(errorOf(result))) : result;
        } catch (CallbackFailure failure) {
            throw failure.error;
        } catch (LuaError raised) {
            return LuaValue.varargsOf(LuaValue.NIL, progress.message(errorOf(raised)));
        }
    }

    static boolean failed(Varargs result) {
        return !result.arg1().toboolean();
    }

    /** The error of a failed result, as the string scripts see: the second result, or what the first one was. */
    static LuaString errorOf(Varargs result) {
        LuaValue error = result.arg(2);
        if (!error.isnil()) {
            return LuaErrors.message(error);
        }
        return LuaString.valueOf(result.arg1().isnil() ? "function returned nil" : "function returned false");
    }

    static LuaString errorOf(LuaError raised) {
        return LuaErrors.message(LuaErrors.errorValue(raised));
    }

    /** Whether an error may be retried: the seed's error types first, then {@code should_retry}. */
    private boolean retries(LuaString error, ErrorTypes types) {
        ErrorTypes.Type type = types.typeOf(error);
        if (type == ErrorTypes.Type.NON_RETRYABLE || (type == ErrorTypes.Type.CIRCUIT_OPEN && !retryOnOpen)) {
            return false;
        }
        if (type == ErrorTypes.Type.RETRYABLE || shouldRetry == null) {
            return true;
        }
        return callback(() -> shouldRetry.call(error)).toboolean();
    }

    /** Runs a script callback inside the Java retry; its Lua errors must reach the script, not count as failures. */
    private static LuaValue callback(java.util.function.Supplier<LuaValue> call) {
        try {
            return call.get();
        } catch (LuaError error) {
            throw new CallbackFailure(error);
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Carries a callback's Lua error through the Java retry, which would otherwise treat it as the call's failure. */
    private static final class CallbackFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient LuaError error;

        CallbackFailure(LuaError error) {
            super(error.getMessage(), error, false, false);
            this.error = error;
        }
    }

    /** Follows the attempts: calls {@code on_retry}, and remembers how the call ended for the final message. */
    private final class Progress implements RetryListener {
        private final ErrorTypes types;
        private int attempts;
        private boolean exhausted;

        Progress(ErrorTypes types) {
            this.types = types;
        }

        @Override
        public void onRetry(RetryAttempt attempt) {
            attempts = attempt.number();
            if (onRetry != null) {
                LuaString error = attempt.failure() instanceof LuaError raised
                        ? errorOf(raised)
                        : errorOf((Varargs) attempt.result());
                onRetry.call(
                        LuaValue.valueOf(attempt.number()), LuaValue.valueOf(Args.seconds(attempt.delay())), error);
            }
        }

        @Override
        public void onSuccess(RetryAttempt attempt) {
            attempts = attempt.number();
        }

        @Override
        public void onExhausted(RetryAttempt attempt) {
            attempts = attempt.number();
            exhausted = true;
        }

        @Override
        public void onAbort(RetryAttempt attempt) {
            attempts = attempt.number();
        }

        /** The final message; it keeps the type of the last error, so an open breaker stays tellable. */
        LuaString message(LuaString lastError) {
            String count = attempts == 1 ? "1 attempt" : attempts + " attempts";
            String verb = exhausted ? "failed after " : "stopped after ";
            return types.remember(
                    types.typeOf(lastError), LuaErrors.prefixed("retry " + verb + count + ": ", lastError));
        }
    }
}
