package dev.reliability.state.jdbc;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.circuitbreaker.StateTransition;
import dev.reliability.registry.Registry;
import dev.reliability.registry.SharingPolicy;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One JVM of {@link PostgresBreakerLeaseIT}: calls the shared breaker {@code payments} every few milliseconds against a
 * backend that the parent switches through a file ({@code up}, {@code down}, {@code hang}, {@code exit}), and prints one
 * line per event, with the wall-clock epoch millisecond:
 *
 * <ul>
 *   <li>{@code T ms}: a half-open trial call starts (printed before the backend is called, so a node killed during
 *       its trial has printed it);
 *   <li>{@code H ms ok|fail}: the backend was called and answered;
 *   <li>{@code S ms FROM>TO w|c}: the breaker changed state, adopted by the sync worker ({@code w}) or decided by a
 *       call ({@code c});
 *   <li>{@code U ms}: the registry reported the store unavailable;
 *   <li>{@code E ms exception}: a breaker method threw, which only the store could cause.
 * </ul>
 */
public final class LeaseNode {
    private LeaseNode() {}

    /**
     * Runs the node.
     *
     * @param args the database URL, the values and locks tables, the backend's switch file, the sync interval and the
     *     open duration in milliseconds
     * @throws Exception if the node cannot start
     */
    public static void main(String[] args) throws Exception {
        Path backend = Path.of(args[3]);
        long syncMs = Long.parseLong(args[4]);
        long openMs = Long.parseLong(args[5]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        CircuitBreakerListener outages = new CircuitBreakerListener() {
            @Override
            public void onStoreUnavailable(String breakerName, RuntimeException cause) {
                out.println("U " + System.currentTimeMillis() + " " + cause);
            }

            @Override
            public void onStateTransition(StateTransition t) {
                String by = Thread.currentThread().getName().startsWith("reliability-sync") ? "w" : "c";
                out.println("S " + System.currentTimeMillis() + " " + t.from() + ">" + t.to() + " " + by);
            }
        };
        try (JdbcStateStore store = JdbcStateStore.builderForUrl(args[0]) // pooled, as a service runs it
                        .valuesTable(args[1])
                        .locksTable(args[2])
                        .build();
                Registry registry = Registry.builder()
                        .stateStore(store)
                        .sharingPolicy(SharingPolicy.ANY_NODE)
                        .syncInterval(Duration.ofMillis(syncMs))
                        .storeTimeout(Duration.ofSeconds(2))
                        .listener(outages)
                        .build()) {
            CircuitBreaker breaker = registry.circuitBreaker(
                    "payments",
                    CircuitBreakerConfig.builder()
                            .failureThreshold(3)
                            .openDuration(Duration.ofMillis(openMs))
                            .build()); // one trial permit; maxWaitInHalfOpen at its default of 60 s
            out.println("ready");
            for (String mode = read(backend); !mode.equals("exit"); mode = read(backend)) {
                try {
                    call(breaker, backend, out);
                } catch (RuntimeException storeFailure) {
                    out.println("E " + System.currentTimeMillis() + " " + storeFailure);
                }
                Thread.sleep(50); // 20 calls a second per node: slower than the store's propagation of a failure
            }
        }
    }

    private static void call(CircuitBreaker breaker, Path backend, PrintStream out) throws Exception {
        CircuitState before = breaker.state();
        if (!breaker.tryAcquirePermission()) {
            return;
        }
        if (before != CircuitState.CLOSED || breaker.state() == CircuitState.HALF_OPEN) {
            out.println("T " + System.currentTimeMillis());
        }
        String mode = read(backend);
        while (mode.equals("hang")) {
            Thread.sleep(2);
            mode = read(backend);
        }
        if (mode.equals("up")) {
            out.println("H " + System.currentTimeMillis() + " ok");
            breaker.onSuccess(0);
        } else {
            out.println("H " + System.currentTimeMillis() + " fail");
            breaker.onError(0, new IOException("backend down"));
        }
    }

    private static String read(Path backend) throws IOException {
        return Files.readString(backend, StandardCharsets.UTF_8).trim();
    }
}
