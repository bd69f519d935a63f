package dev.reliability.lua;

import static java.util.Objects.requireNonNull;

import dev.reliability.TimeSource;
import java.lang.System.Logger;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import org.luaj.vm2.Globals;

/**
 * Installs the Lua modules into a LuaJ {@link Globals}: {@code reliability}, {@code log}, and {@code http} when it is
 * enabled. Each module is a global and an entry of {@code package.loaded}, so {@code require "reliability"} returns
 * the same table.
 *
 * <pre>{@code
 * ReliabilityLua modules = ReliabilityLua.builder().http(true).build();
 * Globals globals = LuaSandbox.create(modules);      // sandboxed, limits on
 * LuaSandbox.run(globals, script, "job.lua");
 * }</pre>
 *
 * <p>Immutable and thread-safe; the {@code Globals} it fills are not: use one per thread. Waits and {@code os.time}
 * read the configured {@link TimeSource}.
 */
public final class ReliabilityLua {
    /** Default for {@link Builder#instructionLimit}: 100 million instructions per run. */
    public static final long DEFAULT_INSTRUCTION_LIMIT = 100_000_000L;

    private static final RandomGenerator THREAD_LOCAL_RANDOM =
            () -> ThreadLocalRandom.current().nextLong();

    private final TimeSource timeSource;
    private final RandomGenerator random;
    private final Logger logger;
    private final boolean http;
    private final long instructionLimit;

    private ReliabilityLua(Builder builder) {
        this.timeSource = builder.timeSource;
        this.random = builder.random;
        this.logger = builder.logger;
        this.http = builder.http;
        this.instructionLimit = builder.instructionLimit;
    }

    /**
     * Returns a builder with the defaults: system time, no http, the default instruction limit, and scripts logging to
     * the {@code System.Logger} named {@code "lua"}.
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
        globals.load(new ReliabilityLib(timeSource, random));
        globals.load(new LogLib(logger));
        if (http) {
            globals.load(new HttpLib());
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
     * Returns the time source the modules read.
     *
     * @return the time source
     */
    public TimeSource timeSource() {
        return timeSource;
    }

    /** Builds a {@link ReliabilityLua}. Not thread-safe. */
    public static final class Builder {
        private TimeSource timeSource = TimeSource.system();
        private RandomGenerator random = THREAD_LOCAL_RANDOM;
        private Logger logger = System.getLogger("lua");
        private boolean http;
        private long instructionLimit = DEFAULT_INSTRUCTION_LIMIT;

        private Builder() {}

        /**
         * Sets the clock and sleep behind retry waits and {@code os.time}/{@code os.clock}. Default {@link
         * TimeSource#system()}.
         *
         * @param timeSource the time source
         * @return this builder
         * @throws NullPointerException if {@code timeSource} is null
         */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = requireNonNull(timeSource, "timeSource");
            return this;
        }

        /**
         * Sets the source of jitter. Default: thread-local randomness.
         *
         * @param random the generator; must be thread-safe if runtimes run on several threads
         * @return this builder
         * @throws NullPointerException if {@code random} is null
         */
        public Builder random(RandomGenerator random) {
            this.random = requireNonNull(random, "random");
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
         * Builds the installer.
         *
         * @return a new immutable installer
         */
        public ReliabilityLua build() {
            return new ReliabilityLua(this);
        }
    }
}
