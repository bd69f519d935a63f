package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts {@link BreakerNode} in a second JVM on the test class path and talks to it line by line. */
final class BreakerNodes implements AutoCloseable {
    private final Process process;
    private final PrintWriter in;
    private final BufferedReader out;

    private BreakerNodes(Process process) {
        this.process = process;
        this.in = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts a node with these arguments (see {@link BreakerNode#main}) and waits until its breaker exists. */
    static BreakerNodes start(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BreakerNode.class.getName());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        BreakerNodes node = new BreakerNodes(process);
        assertThat(node.out.readLine()).as("the second JVM's first line").isEqualTo("ready");
        return node;
    }

    /** Sends a command and returns the node's answer. */
    String ask(String command) throws IOException {
        send(command);
        return answer();
    }

    /** Sends a command without waiting for its answer. */
    void send(String command) {
        in.println(command);
    }

    /** Waits for the answer to the command sent last. */
    String answer() throws IOException {
        String answer = out.readLine();
        assertThat(answer).as("the second JVM's answer").isNotNull();
        return answer;
    }

    @Override
    public void close() {
        in.println("exit");
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
