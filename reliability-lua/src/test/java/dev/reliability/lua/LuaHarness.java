package dev.reliability.lua;

import dev.reliability.registry.Registry;
import dev.reliability.testing.ManualTimeSource;
import java.lang.System.Logger;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.SplittableRandom;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.Varargs;

/** A sandboxed runtime on virtual time, with a logger that records lines, for tests that run inline scripts. */
final class LuaHarness {
    final ManualTimeSource time = new ManualTimeSource();
    final List<String> logLines = new ArrayList<>();
    final Registry registry;
    final ReliabilityLua modules;
    final Globals globals;

    LuaHarness() {
        this(ReliabilityLua.builder());
    }

    LuaHarness(ReliabilityLua.Builder modules) {
        this.registry = Registry.builder()
                .timeSource(time)
                .random(new SplittableRandom(42))
                .listener(ReliabilityLua.stateChangeListener())
                .build();
        this.modules =
                modules.registry(registry).logger(new RecordingLogger(logLines)).build();
        this.globals = LuaSandbox.create(this.modules);
    }

    Varargs run(String script) {
        return LuaSandbox.run(globals, script, "test.lua");
    }

    /** Runs a script that must raise, and returns the message. */
    String error(String script) {
        try {
            LuaSandbox.run(globals, script, "test.lua");
        } catch (LuaError error) {
            return error.getMessage();
        }
        throw new AssertionError("script did not raise: " + script);
    }

    static final class RecordingLogger implements Logger {
        private final List<String> lines;

        RecordingLogger(List<String> lines) {
            this.lines = lines;
        }

        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
            lines.add(level + " " + message);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + format);
        }
    }
}
