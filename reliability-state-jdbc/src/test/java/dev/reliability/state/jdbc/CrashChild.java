package dev.reliability.state.jdbc;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.registry.Registry;
import dev.reliability.state.StateValue;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Run in a child JVM by {@link EmbeddedCrashIT} and {@link EmbeddedMultiProcessIT}: writes to the embedded store and
 * prints each write once the store has acknowledged it, until it is killed or runs out of heap.
 */
public final class CrashChild {
    static final String COUNTER = "n";
    static final String BREAKER = "payments";
    static final Duration OPEN = Duration.ofMinutes(1);
    static final int VALUE_BYTES = 256 << 10;

    private CrashChild() {}

    /** Opens the breaker with one failure, for {@link #OPEN}. */
    static CircuitBreakerConfig breakerConfig() {
        return CircuitBreakerConfig.builder()
                .failureThreshold(1)
                .openDuration(OPEN)
                .build();
    }

    /** The value written under {@code k<i>} by the {@code heap} mode: {@link #VALUE_BYTES} characters. */
    static String value(int i) {
        char[] text = new char[VALUE_BYTES];
        Arrays.fill(text, (char) ('a' + i % 26));
        return i + ":" + new String(text);
    }

    /**
     * Runs one mode on the embedded file {@code args[1]}.
     *
     * <ul>
     *   <li>{@code count FILE}: increments {@link #COUNTER} forever, printing each new value.
     *   <li>{@code add FILE N}: increments {@link #COUNTER} N times, then prints {@code done}.
     *   <li>{@code breaker FILE}: opens the breaker {@link #BREAKER} with one failure, prints {@code open}, and waits.
     *   <li>{@code heap FILE}: writes {@link #value(int)} under {@code k<i>} while keeping a copy of each in the heap,
     *       printing {@code i} once written, until the heap is exhausted.
     * </ul>
     *
     * @param args the mode, the file and the mode's arguments
     * @throws Exception if the store fails
     */
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        JdbcStateStore store = JdbcStateStore.embedded(Path.of(args[1]));
        switch (args[0]) {
            case "count" -> {
                while (true) {
                    out.println(store.increment(COUNTER, 1));
                }
            }
            case "add" -> {
                for (int i = Integer.parseInt(args[2]); i > 0; i--) {
                    store.increment(COUNTER, 1);
                }
                out.println("done");
                store.close();
                return;
            }
            case "breaker" -> {
                CircuitBreaker breaker =
                        Registry.builder().stateStore(store).build().circuitBreaker(BREAKER, breakerConfig());
                if (breaker.tryAcquirePermission()) {
                    breaker.onError(0, new IOException("service down"));
                }
                out.println(breaker.state().externalName());
                new CountDownLatch(1).await(); // until killed
                return;
            }
            case "heap" -> {
                @SuppressWarnings("ModifiedButNotUsed") // held, never read: the values must stay reachable
                List<String> kept = new ArrayList<>();
                for (int i = 0; ; i++) {
                    String value = value(i);
                    store.set("k" + i, StateValue.of(value));
                    out.println(i);
                    kept.add(value);
                }
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }
}
