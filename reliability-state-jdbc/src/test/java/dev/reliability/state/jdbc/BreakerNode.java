package dev.reliability.state.jdbc;

import dev.reliability.TimeSource;
import dev.reliability.circuitbreaker.CallNotPermittedException;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.registry.Registry;
import dev.reliability.registry.SharingPolicy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One JVM of the multi-JVM breaker tests, run as a real second {@code java} process by {@link BreakerNodes}. It opens
 * a store, creates the breaker {@code payments} through a registry and answers commands read from stdin, one per
 * line, with one line on stdout each.
 */
public final class BreakerNode {
    static final String BREAKER = "payments";

    private BreakerNode() {}

    /** The breaker config every node uses: opens after 3 failures, for {@code openMs}; one trial permit. */
    static CircuitBreakerConfig config(long openMs) {
        return CircuitBreakerConfig.builder()
                .failureThreshold(3)
                .openDuration(Duration.ofMillis(openMs))
                .maxWaitInHalfOpen(Duration.ofMinutes(5))
                .build();
    }

    /** Builds the policy named on the command line: any, local, or quorumN. */
    static SharingPolicy policy(String name) {
        if (name.equals("any")) {
            return SharingPolicy.ANY_NODE;
        }
        if (name.equals("local")) {
            return SharingPolicy.LOCAL_ONLY;
        }
        return SharingPolicy.quorum(Integer.parseInt(name.substring("quorum".length())));
    }

    /** Opens the store that {@code args} describe: {@code embedded FILE} or {@code url URL VALUES LOCKS}. */
    static JdbcStateStore open(String[] args) {
        if (args[0].equals("embedded")) {
            return JdbcStateStore.embedded(Path.of(args[1]));
        }
        return JdbcStateStore.builder(new UrlDataSource(args[1]))
                .valuesTable(args[2])
                .locksTable(args[3])
                .build();
    }

    /**
     * Runs the node.
     *
     * @param args the store ({@code embedded FILE} or {@code url URL VALUES LOCKS}), then the policy, the sync interval and
     *     the open duration in milliseconds
     * @throws Exception if the node cannot run
     */
    public static void main(String[] args) throws Exception {
        int n = args[0].equals("embedded") ? 2 : 4;
        SharingPolicy policy = policy(args[n]);
        long syncMs = Long.parseLong(args[n + 1]);
        long openMs = Long.parseLong(args[n + 2]);
        TimeSource time = TimeSource.system();
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
        try (JdbcStateStore store = open(args);
                Registry registry = Registry.builder()
                        .stateStore(store)
                        .sharingPolicy(policy)
                        .syncInterval(Duration.ofMillis(syncMs))
                        .storeTimeout(Duration.ofSeconds(2)) // a cold JVM, a new connection per operation
                        .build()) {
            CircuitBreaker breaker = registry.circuitBreaker(BREAKER, config(openMs));
            out.println("ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] cmd = line.trim().split(" ", -1);
                switch (cmd[0]) {
                    case "state" ->
                        out.println(breaker.state().externalName() + " "
                                + breaker.stats().consecutiveFailures());
                    case "retryAfter" -> {
                        try {
                            breaker.run(() -> {});
                            out.println("permitted");
                        } catch (CallNotPermittedException e) {
                            out.println(e.retryAfter().toMillis());
                        }
                    }
                    case "fail" -> {
                        for (int i = 0; i < Integer.parseInt(cmd[1]); i++) {
                            if (breaker.tryAcquirePermission()) {
                                breaker.onError(0, new IOException("service down"));
                            }
                        }
                        out.println(breaker.state().externalName());
                    }
                    case "untilRejected" -> out.println(untilRejected(breaker, time, Long.parseLong(cmd[1])));
                    case "probes" -> out.println(probes(breaker, time, Long.parseLong(cmd[1]), Long.parseLong(cmd[2])));
                    case "exit" -> {
                        return;
                    }
                    default -> out.println("unknown command " + line);
                }
            }
        }
    }

    /**
     * Calls the breaker (succeeding) every millisecond until it rejects; returns the wall-clock epoch ms of the first
     * rejection, or -1 after {@code timeoutMs}.
     */
    static long untilRejected(CircuitBreaker breaker, TimeSource time, long timeoutMs) throws InterruptedException {
        long end = time.millis() + timeoutMs;
        while (time.millis() < end) {
            if (!breaker.tryAcquirePermission()) {
                return time.millis();
            }
            breaker.onSuccess(0);
            time.sleep(Duration.ofMillis(1));
        }
        return -1;
    }

    /**
     * From wall-clock {@code startMs} for {@code durationMs}, asks for a permit every millisecond; each permit is a
     * trial call that never completes. Returns how many trial calls this node ran.
     */
    static int probes(CircuitBreaker breaker, TimeSource time, long startMs, long durationMs)
            throws InterruptedException {
        time.sleep(Duration.ofMillis(Math.max(0, startMs - time.millis())));
        int probes = 0;
        long end = startMs + durationMs;
        while (time.millis() < end) {
            if (breaker.tryAcquirePermission()) {
                probes++;
            }
            time.sleep(Duration.ofMillis(1));
        }
        return probes;
    }
}
