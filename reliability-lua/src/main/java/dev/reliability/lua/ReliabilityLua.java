package dev.reliability.lua;

import static java.util.Objects.requireNonNull;

import dev.reliability.TimeSource;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.registry.Registry;
import dev.reliability.state.StateStore;
import dev.reliability.state.memory.MemoryStateStore;
import java.lang.System.Logger;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.luaj.vm2.Globals;

/**
 * Installs the Lua modules into a LuaJ {@link Globals}: {@code reliability}, {@code state}, {@code log}, and {@code
 * http} when it is enabled. Each module is a global and an entry of {@code package.loaded}, so {@code require "reliability"} returns
 * the same table.
 *
 * <pre>{@code
 * Registry registry = Registry.builder().listener(ReliabilityLua.stateChangeListener()).build();
 * ReliabilityLua modules = ReliabilityLua.builder().registry(registry).http(true).build();
 * Globals globals = LuaSandbox.create(modules);      // sandboxed, limits on
 * LuaSandbox.run(globals, script, "job.lua");
 * }</pre>
 *
 * <p>Breakers live in the {@link Registry}, and waits, jitter and {@code os.time} use its {@link TimeSource} and random
 * generator. For {@code on_state_change} callbacks to run, the registry must carry {@link #stateChangeListener()}.
 *
 * <p>Immutable and thread-safe; the {@code Globals} it fills are not: use one per thread.
 */
public final class ReliabilityLua {
    /** Default for {@link Builder#instructionLimit}: 100 million instructions per run. */
    public static final long DEFAULT_INSTRUCTION_LIMIT = 100_000_000L;

    /** Default for {@link Builder#timeLimit}: 5 minutes of wall-clock time per run. */
    public static final Duration DEFAULT_TIME_LIMIT = Duration.ofMinutes(5);

    /** Default for {@link Builder#httpBodyLimit}: 4 MiB per response body. */
    public static final int DEFAULT_HTTP_BODY_LIMIT = 4 << 20;

    private static final AtomicLong RUNTIMES = new AtomicLong();

    private final Registry registry;
    private final StateStore stateStore;
    private final Logger logger;
    private final boolean http;
    private final long instructionLimit;
    private final Duration timeLimit;
    private final int httpBodyLimit;

    private ReliabilityLua(Builder builder) {
        this.registry = builder.registry != null
                ? builder.registry
                : Registry.builder().listener(stateChangeListener()).build();
        if (!registry.listeners().contains(stateChangeListener())) {
            throw new IllegalArgumentException("registry must carry ReliabilityLua.stateChangeListener(), so that "
                    + "on_state_change callbacks run; add it with Registry.builder().listener(...)");
        }
        this.stateStore = builder.stateStore != null
                ? builder.stateStore
                : registry.stateStore().orElseGet(() -> MemoryStateStore.builder()
                        .timeSource(registry.timeSource())
                        .build());
        this.logger = builder.logger;
        this.http = builder.http;
        this.instructionLimit = builder.instructionLimit;
        this.timeLimit = builder.timeLimit;
        this.httpBodyLimit = builder.httpBodyLimit;
    }

    /**
     * Returns a builder with the defaults: a registry of its own on system time, no http, the default instruction
     * limit, and scripts logging to the {@code System.Logger} named {@code "lua"}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Installs the modules into {@code globals}, which must already hold the {@code package} library.
     *
     * @param globals the runtime to fill
     * @throws NullPointerException if {@code globals} is null
     */
    public void install(Globals globals) {
        requireNonNull(globals, "globals");
        globals.load(new ReliabilityLib(registry, logger));
        globals.load(new StateLib(stateStore, registry.timeSource(), newOwner()));
        globals.load(new LogLib(logger));
        if (http) {
            globals.load(new HttpLib(httpBodyLimit));
        }
    }

    /**
     * Returns the instructions a sandboxed run may execute, 0 meaning no limit.
     *
     * @return the limit
     */
    public long instructionLimit() {
        return instructionLimit;
    }

    /**
     * Returns the wall-clock time a sandboxed run may take, {@link Duration#ZERO} meaning no limit.
     *
     * @return the limit
     */
    public Duration timeLimit() {
        return timeLimit;
    }

    /** A lock owner per runtime: {@code host/pid/lua-N}, so locks name who holds them and runtimes never share one. */
    private static String newOwner() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException unknown) {
            host = "localhost";
        }
        return host + "/" + ProcessHandle.current().pid() + "/lua-" + RUNTIMES.incrementAndGet();
    }

    /**
     * Returns the store behind the {@code state} module.
     *
     * @return the state store
     */
    public StateStore stateStore() {
        return stateStore;
    }

    /**
     * Returns the registry that holds the scripts' breakers.
     *
     * @return the registry
     */
    public Registry registry() {
        return registry;
    }

    /**
     * Returns the listener that runs {@code on_state_change} callbacks; a registry given to {@link
     * Builder#registry} must carry it. It is stateless and shared.
     *
     * @return the listener
     */
    public static CircuitBreakerListener stateChangeListener() {
        return LuaCircuitBreakers.STATE_CHANGES;
    }

    /** Builds a {@link ReliabilityLua}. Not thread-safe. */
    public static final class Builder {
        private Registry registry;
        private StateStore stateStore;
        private Logger logger = System.getLogger("lua");
        private boolean http;
        private long instructionLimit = DEFAULT_INSTRUCTION_LIMIT;
        private Duration timeLimit = DEFAULT_TIME_LIMIT;
        private int httpBodyLimit = DEFAULT_HTTP_BODY_LIMIT;

        private Builder() {}

        /**
         * Sets the registry that holds the scripts' breakers and supplies time and randomness. It must carry {@link
         * #stateChangeListener()}. Default: a registry of the runtime's own, on system time.
         *
         * @param registry the registry
         * @return this builder
         * @throws NullPointerException if {@code registry} is null
         */
        public Builder registry(Registry registry) {
            this.registry = requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Sets the store behind the {@code state} module. Default: the registry's store if it has one, else a {@link
         * MemoryStateStore} of the installer's own on the registry's time source. The installer never closes it.
         *
         * @param stateStore the store
         * @return this builder
         * @throws NullPointerException if {@code stateStore} is null
         */
        public Builder stateStore(StateStore stateStore) {
            this.stateStore = requireNonNull(stateStore, "stateStore");
            return this;
        }

        /**
         * Sets the logger behind the {@code log} module. Default: {@code System.getLogger("lua")}.
         *
         * @param logger the logger
         * @return this builder
         * @throws NullPointerException if {@code logger} is null
         */
        public Builder logger(Logger logger) {
            this.logger = requireNonNull(logger, "logger");
            return this;
        }

        /**
         * Turns the {@code http} module on or off. Default off: an embedder opts in.
         *
         * @param enabled whether scripts get {@code http.get} and {@code http.post}
         * @return this builder
         */
        public Builder http(boolean enabled) {
            this.http = enabled;
            return this;
        }

        /**
         * Sets how many Lua instructions one sandboxed run may execute; loops end with an error naming the limit, even
         * inside {@code pcall}. Default 100 million; 0 turns the limit off.
         *
         * @param limit the instruction budget per run, {@code >= 0}
         * @return this builder
         * @throws IllegalArgumentException if {@code limit} is negative
         */
        public Builder instructionLimit(long limit) {
            if (limit < 0) {
                throw new IllegalArgumentException("instructionLimit must be >= 0, was " + limit);
            }
            this.instructionLimit = limit;
            return this;
        }

        /**
         * Sets the wall-clock time one sandboxed run may take. When it passes, the run ends with an error naming the
         * limit, even inside {@code pcall}; retry waits, lock waits and http calls end at it too. Default 5 minutes;
         * {@link Duration#ZERO} turns the limit off.
         *
         * @param limit the time limit per run, not negative
         * @return this builder
         * @throws NullPointerException if {@code limit} is null
         * @throws IllegalArgumentException if {@code limit} is negative
         */
        public Builder timeLimit(Duration limit) {
            if (requireNonNull(limit, "limit").isNegative()) {
                throw new IllegalArgumentException("timeLimit must not be negative, was " + limit);
            }
            this.timeLimit = limit;
            return this;
        }

        /**
         * Sets the largest response body {@code http.get} and {@code http.post} accept; a larger one is not read
         * further and the call returns {@code nil} and a message. Default 4 MiB.
         *
         * @param bytes the body limit, from 1 to 16 MiB (the string size limit)
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes} is outside that range
         */
        public Builder httpBodyLimit(int bytes) {
            if (bytes < 1 || bytes > ResourceGuard.MAX_STRING_BYTES) {
                throw new IllegalArgumentException(
                        "httpBodyLimit must be from 1 to " + ResourceGuard.MAX_STRING_BYTES + " bytes, was " + bytes);
            }
            this.httpBodyLimit = bytes;
            return this;
        }

        /**
         * Builds the installer.
         *
         * @return a new immutable installer
         * @throws IllegalArgumentException if the registry does not carry {@link #stateChangeListener()}
         */
        public ReliabilityLua build() {
            return new ReliabilityLua(this);
        }
    }
}
