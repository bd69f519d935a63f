package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.TimeSource;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.registry.Registry;
import dev.reliability.registry.SharingPolicy;
import dev.reliability.state.StateValue;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two JVMs share one breaker through a server database at the same time: this one (node A) and a real second {@code
 * java} process (node B). Each test gets fresh tables.
 */
abstract class BreakerSharingTests {
    static final long SYNC_MS = 1_000;
    private static TestPool pool;
    private static Tables tables;
    private final TimeSource time = TimeSource.system();
    private String[] names;
    private JdbcStateStore store;
    private Registry registry;

    abstract ServerDatabase database();

    @BeforeAll
    static void noPoolYet() {
        pool = null;
    }

    @BeforeEach
    void freshTables() {
        if (pool == null) {
            pool = new TestPool(database().dataSource());
            tables = new Tables(pool);
        }
        names = tables.next();
        store = JdbcStateStore.builder(pool)
                .valuesTable(names[0])
                .locksTable(names[1])
                .build();
    }

    @AfterEach
    void closeStore() {
        if (registry != null) {
            registry.close();
        }
        if (store != null) {
            store.close();
        }
    }

    @AfterAll
    static void dropTables() {
        if (tables != null) {
            tables.dropAll();
            pool.close();
        }
    }

    private BreakerNodes startB(String policy, long openMs) throws IOException {
        return BreakerNodes.start(
                "url", database().url(), names[0], names[1], policy, Long.toString(SYNC_MS), Long.toString(openMs));
    }

    private CircuitBreaker nodeA(SharingPolicy policy, long openMs) {
        registry = Registry.builder()
                .stateStore(store)
                .sharingPolicy(policy)
                .syncInterval(Duration.ofMillis(SYNC_MS))
                .storeTimeout(Duration.ofSeconds(2)) // a busy test machine: claims decided by the store, not locally
                .build();
        return registry.circuitBreaker(BreakerNode.BREAKER, BreakerNode.config(openMs));
    }

    private static void fail(CircuitBreaker breaker, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(breaker.tryAcquirePermission()).isTrue();
            breaker.onError(0, new IOException("service down"));
        }
    }

    @Test
    void whenAOpensBRejectsWithinTheSyncIntervalPlus200Milliseconds() throws Exception {
        CircuitBreaker a = nodeA(SharingPolicy.ANY_NODE, 30_000);
        try (BreakerNodes b = startB("any", 30_000)) {
            b.send("untilRejected 10000"); // b calls, and succeeds, every millisecond
            time.sleep(Duration.ofMillis(300));

            fail(a, 3);
            long openedAt = time.millis();
            long rejectedAt = Long.parseLong(b.answer());

            long latency = rejectedAt - openedAt;
            report("sync latency on " + database() + ": A opened, B rejected " + latency + " ms later");
            assertThat(rejectedAt).isPositive();
            assertThat(latency).isLessThanOrEqualTo(SYNC_MS + 200);
        }
    }

    @Test
    void bothNodesRaceForTheHalfOpenTrialAndExactlyOneRuns() throws Exception {
        long openMs = 2_000;
        CircuitBreaker a = nodeA(SharingPolicy.ANY_NODE, openMs);
        try (BreakerNodes b = startB("any", openMs)) {
            b.send("untilRejected 10000");
            time.sleep(Duration.ofMillis(100));
            fail(a, 3);
            assertThat(Long.parseLong(b.answer())).isPositive(); // b has adopted the open
            long start = time.millis() + openMs + 300;

            b.send("probes " + start + " 1500");
            CompletableFuture<Integer> aProbes = CompletableFuture.supplyAsync(() -> {
                try {
                    return BreakerNode.probes(a, time, start, 1500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            });
            int bProbes = Integer.parseInt(b.answer());

            assertThat(aProbes.get() + bProbes).isEqualTo(1);
            assertThat(store.get("reliability:breaker:payments").orElseThrow().asMap())
                    .containsEntry("state", StateValue.of("half-open"))
                    .containsEntry("probes", StateValue.of(1L));
        }
    }

    @Test
    void quorumOfTwoDoesNotOpenOnOneNodesFailuresAlone() throws Exception {
        CircuitBreaker a = nodeA(SharingPolicy.quorum(2), 30_000);
        try (BreakerNodes b = startB("quorum2", 30_000)) {
            fail(a, 3);
            assertThat(a.state()).isEqualTo(CircuitState.OPEN); // a protects itself

            assertThat(b.ask("untilRejected " + (SYNC_MS + 1_500))).isEqualTo("-1");
            assertThat(store.get("reliability:breaker:payments").orElseThrow().asMap())
                    .containsEntry("state", StateValue.of("closed"));

            assertThat(b.ask("fail 3")).isEqualTo("open"); // the second node's failures make the quorum
            long end = time.millis() + 2_000; // written by b's sync worker within its flush delay
            while (!storedState().equals("open") && time.millis() < end) {
                time.sleep(Duration.ofMillis(5));
            }
            assertThat(storedState()).isEqualTo("open");
        }
    }

    private String storedState() {
        return store.get("reliability:breaker:payments")
                .map(v -> v.asMap().get("state").asString())
                .orElse("none");
    }

    @SuppressWarnings("SystemOut") // the measured figures go to the build log, for the closing note
    private static void report(String line) {
        System.out.println(line);
    }
}
