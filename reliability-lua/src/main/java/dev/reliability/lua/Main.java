package dev.reliability.lua;

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
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
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
            "usage: java -jar reliability-lua-cli.jar [--state memory|JDBC-URL] [--instruction-limit N] script.lua"
                    + " [args...]";

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
            out.println("                         JDBC URL (PostgreSQL, MariaDB, H2); default: the H2 file");
            out.println("                         ~/.reliability/state, kept from one run to the next");
            out.println("  --instruction-limit N  Lua instructions the script may execute; 0 for no limit");
            out.println("                         (default " + ReliabilityLua.DEFAULT_INSTRUCTION_LIMIT + ")");
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
        StateStore store;
        try {
            store = openStore(options.state);
        } catch (RuntimeException | IOException unavailable) {
            err.println("reliability-lua: cannot open state "
                    + (options.state == null ? "~/.reliability/state" : options.state) + ": "
                    + unavailable.getMessage());
            return 2;
        }
        try (store) {
            return runScript(options, script, store, out, err);
        }
    }

    private static int runScript(Options options, String script, StateStore store, PrintStream out, PrintStream err) {
        // Breakers persist through the same store as the state module, so an open breaker outlives the run.
        Registry registry = Registry.builder()
                .listener(ReliabilityLua.stateChangeListener())
                .stateStore(store)
                .build();
        ReliabilityLua modules = ReliabilityLua.builder()
                .registry(registry)
                .stateStore(store)
                .http(true)
                .instructionLimit(options.instructionLimit)
                .build();
        Globals globals = LuaSandbox.create(modules);
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
            err.println(error.getMessage());
            return 1;
        } finally {
            out.flush();
        }
    }

    /** {@code memory}, a JDBC URL, or (null) the default H2 file under {@code ~/.reliability}. */
    private static StateStore openStore(String state) throws IOException {
        if (state == null) {
            Path directory = Path.of(System.getProperty("user.home"), ".reliability");
            Files.createDirectories(directory);
            return JdbcStateStore.embedded(directory.resolve("state"));
        }
        if (state.equals("memory")) {
            return MemoryStateStore.ofDefaults();
        }
        return JdbcStateStore.builderForUrl(state).build();
    }

    /** One line per record on stderr: {@code 2026-11-29T07:30:00.123Z INFO message key=value}. */
    private static void configureLogging(PrintStream err) {
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
                return thrown == null
                        ? line
                        : line + "  cause: " + LuaErrors.escapeControls(LuaErrors.logText(thrown))
                                + System.lineSeparator();
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
            throw new IllegalArgumentException("--state needs 'memory' or a JDBC URL, got '" + text + "'");
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
