package dev.reliability.state.jdbc;

import dev.reliability.TimeSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link CrashChild} in its own JVM on the test class path. Its stdout goes to a file, not a pipe: every line it
 * wrote before it died is in the file, whatever the parent had read by then. A partial last line was not
 * acknowledged and is not returned.
 */
final class ChildJvm {
    /** A short-lived child needs no optimising compiler and no parallel collector: it starts sooner without them. */
    private static final List<String> FAST_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private final Process process;
    private final Path out;

    private ChildJvm(Process process, Path out) {
        this.process = process;
        this.out = out;
    }

    /** Starts {@code CrashChild} with these JVM options and arguments, printing to {@code out}; stderr is discarded. */
    static ChildJvm start(Path out, List<String> jvmOptions, String... args) throws IOException {
        return start(CrashChild.class, out, jvmOptions, args);
    }

    /** Starts {@code main} with these JVM options and arguments, printing to {@code out}; stderr is discarded. */
    static ChildJvm start(Class<?> main, Path out, List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(FAST_START);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(Arrays.asList(args));
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(out.toFile())
                .start();
        return new ChildJvm(process, out);
    }

    /** The complete lines printed so far. */
    List<String> lines() {
        String text;
        try {
            text = Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
    }

    /** Waits until the child has printed at least {@code count} complete lines, or fails after 30 seconds. */
    List<String> awaitLines(int count) throws InterruptedException {
        TimeSource time = TimeSource.system();
        long deadline = time.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (lines().size() < count) {
            if (time.nanoTime() > deadline || (!process.isAlive() && lines().size() < count)) {
                throw new AssertionError("the child printed " + lines() + " and is " + describe());
            }
            time.sleep(Duration.ofMillis(5));
        }
        return lines();
    }

    /** Kills the child with SIGKILL, as kill -9 does, and returns the lines it printed. */
    List<String> kill() throws InterruptedException {
        process.destroyForcibly();
        return awaitExit();
    }

    /** Waits for the child to exit by itself (at most 60 seconds) and returns the lines it printed. */
    List<String> awaitExit() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the child did not exit");
        }
        return lines();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int exitValue() {
        return process.exitValue();
    }

    private String describe() {
        return process.isAlive() ? "alive" : "dead with exit status " + process.exitValue();
    }
}
