package dev.reliability.lua;

import dev.reliability.TimeSource;
import dev.reliability.registry.Registry;
import dev.reliability.state.StateStore;
import dev.reliability.state.jdbc.JdbcStateStore;
import dev.reliability.state.memory.MemoryStateStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * The command-line runner: {@code java -jar reliability-lua-cli.jar [options] script.lua [args...]}.
 *
 * <p>Runs the script in a {@link LuaSandbox} with the {@code http} module on. Script arguments reach the chunk as
 * {@code ...} and as the {@code arg} table ({@code arg[0]} is the script). Log lines go to stderr as {@code time level
 * message key=value ...}. Exit status: 0 on success, 1 when the script raises an error (printed as {@code
 * script.lua:LINE: message}), 2 for bad usage.
 */
public final class Main {
    static final String USAGE =
            "usage: java -jar reliability-lua-cli.jar [--state memory|JDBC-URL] [--instruction-limit N]"
                    + " [--timeout SECONDS] [--http-body-limit BYTES] script.lua [args...]";

    private Main() {}

    /**
     * Runs the CLI and exits the JVM with its status.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the CLI, returning the exit status instead of exiting, so tests can call it in-process. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException badUsage) {
            err.println("reliability-lua: " + badUsage.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (options.help) {
            out.println(USAGE);
            out.println();
            out.println("Runs a Lua script with the reliability, state, log and http modules in a sandbox.");
            out.println();
            out.println("  --state memory|URL     where state and breakers live: 'memory' for this run only, or a");
            out.println("                         JDBC URL (PostgreSQL, MariaDB, SQLite, H2); default: the SQLite");
            out.println("                         file ~/.reliability/state.db, kept from one run to the next");
            out.println("  --instruction-limit N  Lua instructions the script may execute; 0 for no limit");
            out.println("                         (default " + ReliabilityLua.DEFAULT_INSTRUCTION_LIMIT + ")");
            out.println("  --timeout SECONDS      wall-clock time the script may take, waits and http calls included;");
            out.println("                         0 for no limit (default "
                    + ReliabilityLua.DEFAULT_TIME_LIMIT.toSeconds() + ")");
            out.println("  --http-body-limit BYTES  largest http response body accepted (default "
                    + ReliabilityLua.DEFAULT_HTTP_BODY_LIMIT + ")");
            out.println("  --help                 print this help");
            return 0;
        }
        String script;
        try {
            script = Files.readString(options.script, StandardCharsets.UTF_8);
        } catch (CharacterCodingException notUtf8) {
            err.println("reliability-lua: cannot read " + options.script
                    + ": not valid UTF-8 (write other bytes as escapes in string literals, such as \"\\xff\")");
            return 2;
        } catch (NoSuchFileException missing) {
            err.println("reliability-lua: cannot read " + options.script + ": no such file");
            err.println(USAGE);
            return 2;
        } catch (IOException unreadable) {
            err.println("reliability-lua: cannot read " + options.script + ": " + unreadable.getMessage());
            err.println(USAGE);
            return 2;
        }
        configureLogging(err);
        // Opening a server store is mostly waiting: for the connection, its login and the tables. Meanwhile this thread
        // loads Lua's libraries and builds the sandbox, which needs nothing from the store yet.
        FutureTask<StateStore> opening = new FutureTask<>(() -> openStore(options.state));
        Thread opener = new Thread(opening, "reliability-lua-open-state");
        opener.setDaemon(true);
        opener.start();
        Globals globals = LuaSandbox.libraries(options.instructionLimit, options.timeLimit, TimeSource.system());
        StateStore store;
        try {
            store = opened(opening);
        } catch (RuntimeException | IOException unavailable) {
            // The default file's message names the file and what to do; a URL or 'memory' is named here.
            String which = options.state == null ? "" : "cannot open state " + printable(options.state) + ": ";
            String reason = unavailable.getMessage() == null ? "" : unavailable.getMessage();
            err.println(JdbcStateStore.maskPasswords("reliability-lua: " + which + reason));
            return 2;
        }
        try (store) {
            return runWithRegistry(options, script, store, globals, out, err);
        }
    }

    /** The store {@code opening} opened, or what it threw, once it is done. */
    private static StateStore opened(FutureTask<StateStore> opening) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return opening.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the opener cannot be abandoned: it may hold a pool that must be closed
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw (Error) cause;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int runWithRegistry(
            Options options, String script, StateStore store, Globals globals, PrintStream out, PrintStream err) {
        // Breakers persist through the same store as the state module, so an open breaker outlives the run: closing the
        // registry writes what the run queued, also after a script error. A run is short, so it waits longer than a
        // service would for the stored state (once per outage at most), to start from it.
        try (Registry registry = Registry.builder()
                .timeSource(TimeSource.system()) // the sandbox's, built before the store opened
                .listener(ReliabilityLua.stateChangeListener())
                .stateStore(store)
                .storeTimeout(Duration.ofSeconds(2))
                .build()) {
            return runScript(options, script, store, registry, globals, out, err);
        }
    }

    private static int runScript(
            Options options,
            String script,
            StateStore store,
            Registry registry,
            Globals globals,
            PrintStream out,
            PrintStream err) {
        ReliabilityLua modules = ReliabilityLua.builder()
                .registry(registry)
                .stateStore(store)
                .http(true)
                .instructionLimit(options.instructionLimit)
                .timeLimit(options.timeLimit)
                .httpBodyLimit(options.httpBodyLimit)
                .build();
        LuaSandbox.install(globals, modules); // built with the same limits, on the registry's time source
        globals.STDOUT = out;
        String chunkName = options.script.toString();
        LuaValue[] scriptArgs = new LuaValue[options.scriptArgs.size()];
        LuaTable arg = new LuaTable();
        arg.set(0, chunkName);
        for (int i = 0; i < scriptArgs.length; i++) {
            scriptArgs[i] = LuaValue.valueOf(options.scriptArgs.get(i));
            arg.set(i + 1, scriptArgs[i]);
        }
        globals.set("arg", arg);
        try {
            LuaSandbox.run(globals, script, chunkName, scriptArgs);
            return 0;
        } catch (LuaError error) {
            LuaValue value = error.getMessageObject();
            if (value != null && value.type() == LuaValue.TSTRING) { // its bytes, as a script wrote them
                err.writeBytes(LuaValues.byteArray(value.strvalue()));
                err.println();
            } else {
                err.println(error.getMessage());
            }
            return 1;
        } finally {
            out.flush();
        }
    }

    /** {@code memory}, a JDBC URL, or (null) the default SQLite file {@code ~/.reliability/state.db}. */
    private static StateStore openStore(String state) throws IOException {
        if (state == null) {
            Path directory = Path.of(System.getProperty("user.home"), ".reliability");
            try {
                Files.createDirectories(directory);
            } catch (IOException e) {
                throw new IOException("cannot create the state directory " + directory + ": " + e, e);
            }
            return JdbcStateStore.embedded(directory.resolve("state"));
        }
        if (state.equals("memory")) {
            return MemoryStateStore.ofDefaults();
        }
        return JdbcStateStore.builderForUrl(state).build();
    }

    /** The state option as it may be printed: the default file by name, or the URL with its passwords masked. */
    static String printable(String state) {
        return state == null ? "~/.reliability/state.db" : JdbcStateStore.maskPasswords(state);
    }

    /** One line per record on stderr: {@code 2026-11-29T07:30:00.123Z INFO message key=value}. */
    private static void configureLogging(PrintStream err) {
        // HikariCP (the pool of --state URL) logs through SLF4J, for which the jar has no provider: without this,
        // SLF4J would print a notice about that on stderr ahead of the script's own output.
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
        Logger root = Logger.getLogger("");
        for (Handler existing : root.getHandlers()) {
            root.removeHandler(existing);
        }
        Formatter format = new Formatter() {
            private final DateTimeFormatter time = DateTimeFormatter.ISO_INSTANT.withZone(ZoneOffset.UTC);

            @Override
            public String format(LogRecord record) {
                String line = time.format(Instant.ofEpochMilli(record.getMillis())) + " " + levelName(record.getLevel())
                        + " " + LuaErrors.escapeControls(formatMessage(record)) + System.lineSeparator();
                Throwable thrown = record.getThrown();
                String text = thrown == null
                        ? line
                        : line + "  cause: " + LuaErrors.escapeControls(LuaErrors.logText(thrown))
                                + System.lineSeparator();
                return JdbcStateStore.maskPasswords(text); // a driver's message may quote the URL
            }
        };
        // A plain handler: JUL's ConsoleHandler would close System.err when given another stream.
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (isLoggable(record)) {
                    err.print(format.format(record));
                    err.flush();
                }
            }

            @Override
            public void flush() {
                err.flush();
            }

            @Override
            public void close() {
                err.flush();
            }
        };
        handler.setLevel(Level.INFO);
        root.addHandler(handler);
        root.setLevel(Level.INFO);
    }

    private static String levelName(Level level) {
        if (level.intValue() >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (level.intValue() >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (level.intValue() >= Level.INFO.intValue()) {
            return "INFO";
        }
        return "DEBUG";
    }

    /** The parsed command line. */
    static final class Options {
        boolean help;
        String state;
        long instructionLimit = ReliabilityLua.DEFAULT_INSTRUCTION_LIMIT;
        Duration timeLimit = ReliabilityLua.DEFAULT_TIME_LIMIT;
        int httpBodyLimit = ReliabilityLua.DEFAULT_HTTP_BODY_LIMIT;
        Path script;
        final List<String> scriptArgs = new ArrayList<>();

        static Options parse(String[] args) {
            Options options = new Options();
            int i = 0;
            for (; i < args.length && options.script == null; i++) {
                switch (args[i]) {
                    case "--help", "-h" -> options.help = true;
                    case "--instruction-limit" -> options.instructionLimit = parseLimit(value(args, ++i, args[i - 1]));
                    case "--state" -> options.state = parseState(value(args, ++i, args[i - 1]));
                    case "--timeout" -> options.timeLimit = parseTimeout(value(args, ++i, args[i - 1]));
                    case "--http-body-limit" -> options.httpBodyLimit = parseBodyLimit(value(args, ++i, args[i - 1]));
                    default -> {
                        if (args[i].startsWith("-")) {
                            throw new IllegalArgumentException("unknown option " + args[i]);
                        }
                        options.script = Path.of(args[i]);
                    }
                }
                if (options.help) {
                    return options;
                }
            }
            if (options.script == null) {
                throw new IllegalArgumentException("no script given");
            }
            for (; i < args.length; i++) {
                options.scriptArgs.add(args[i]);
            }
            return options;
        }

        private static String value(String[] args, int index, String option) {
            if (index >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[index];
        }

        private static String parseState(String text) {
            if (text.equals("memory") || text.startsWith("jdbc:")) {
                return text;
            }
            throw new IllegalArgumentException("--state needs 'memory' or a JDBC URL, got '" + printable(text) + "'");
        }

        private static Duration parseTimeout(String text) {
            try {
                double seconds = Double.parseDouble(text);
                if (seconds >= 0 && seconds <= 1e9) {
                    return Duration.ofNanos((long) (seconds * 1e9));
                }
            } catch (NumberFormatException notANumber) {
                // reported below
            }
            throw new IllegalArgumentException("--timeout needs a number of seconds >= 0, got '" + text + "'");
        }

        private static int parseBodyLimit(String text) {
            try {
                int bytes = Integer.parseInt(text);
                if (bytes >= 1 && bytes <= ResourceGuard.MAX_STRING_BYTES) {
                    return bytes;
                }
            } catch (NumberFormatException notANumber) {
                // reported below
            }
            throw new IllegalArgumentException("--http-body-limit needs a whole number of bytes from 1 to "
                    + ResourceGuard.MAX_STRING_BYTES + ", got '" + text + "'");
        }

        private static long parseLimit(String text) {
            try {
                long limit = Long.parseLong(text);
                if (limit >= 0) {
                    return limit;
                }
            } catch (NumberFormatException notANumber) {
                // reported below
            }
            throw new IllegalArgumentException("--instruction-limit needs a whole number >= 0, got '" + text + "'");
        }
    }
}
