package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the packaged CLI jar in its own JVM, as a user does, with {@code user.home} pointed at a test folder. */
final class CliJar {
    static final Path JAR = Path.of("target", "reliability-lua-cli.jar");
    static final Path EXAMPLES = Path.of("examples");

    /** The exit code and the output, as text (malformed UTF-8 shown as U+FFFD) and as the bytes written. */
    @SuppressWarnings("ArrayRecordComponent") // read by tests, never compared or hashed as a whole
    record Result(int exitCode, String stdout, String stderr, byte[] stdoutBytes, byte[] stderrBytes) {}

    private final Path home;

    CliJar(Path home) {
        this.home = home;
    }

    Result run(String... args) throws IOException, InterruptedException {
        return runWith(List.of(), args);
    }

    /** Runs the jar with extra JVM options, such as a small {@code -Xmx}. */
    Result runWith(List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        assertThat(JAR).as("the CLI jar, built by the package phase").exists();
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Duser.home=" + home));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(home, "stdout", ".txt");
        Path err = Files.createTempFile(home, "stderr", ".txt");
        Process process = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the CLI did not finish within 120 s: " + command);
        }
        byte[] stdout = Files.readAllBytes(out);
        byte[] stderr = Files.readAllBytes(err);
        return new Result(
                process.exitValue(),
                new String(stdout, StandardCharsets.UTF_8),
                new String(stderr, StandardCharsets.UTF_8),
                stdout,
                stderr);
    }
}
