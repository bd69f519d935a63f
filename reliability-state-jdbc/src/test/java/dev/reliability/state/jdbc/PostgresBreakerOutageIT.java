package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.TimeSource;
import dev.reliability.circuitbreaker.CallNotPermittedException;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitBreakerListener;
import dev.reliability.registry.Registry;
import dev.reliability.state.StateValue;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store fails under load: first a DataSource that refuses connections, then {@code pg_terminate_backend} of every
 * store connection. No call fails because of the store, each outage is reported once, and the state is reconciled.
 */
class PostgresBreakerOutageIT {
    private final TimeSource time = TimeSource.system();
    private final String application = "rb_outage_"
            + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16).toLowerCase(Locale.ROOT);
    private final AtomicBoolean serviceUp = new AtomicBoolean(true);
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    private final AtomicInteger events = new AtomicInteger();
    private TestPool pool;
    private Switchable switchable;
    private Tables tables;
    private JdbcStateStore store;

    /** Refuses connections while switched off, counting the attempts, as a database that is down does. */
    static final class Switchable extends TestDataSources.Forwarding {
        volatile boolean on = true;
        final AtomicInteger refused = new AtomicInteger();

        Switchable(javax.sql.DataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (!on) {
                refused.incrementAndGet();
                throw new SQLException("connection refused", "08001");
            }
            return super.getConnection();
        }
    }

    @BeforeEach
    void connect() {
        String url = ServerDatabase.POSTGRESQL.url();
        url += (url.contains("?") ? "&" : "?") + "ApplicationName=" + application;
        pool = new TestPool(ServerDatabase.POSTGRESQL.dataSource(url));
        switchable = new Switchable(pool);
        tables = new Tables(pool);
        String[] names = tables.next();
        store = JdbcStateStore.builder(switchable)
                .valuesTable(names[0])
                .locksTable(names[1])
                .queryTimeout(Duration.ofSeconds(2))
                .maxAttempts(1) // no retries inside the store: every lost connection reaches the breakers
                .build();
    }

    @AfterEach
    void close() {
        stop.set(true);
        store.close();
        tables.dropAll();
        pool.close();
    }

    private List<Thread> load(CircuitBreaker breaker, int threads) {
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        breaker.run(() -> {
                            if (!serviceUp.get()) {
                                throw new IOException("service down");
                            }
                        });
                    } catch (IOException | CallNotPermittedException expected) {
                        // the service's own failures, and rejections by the breaker
                    } catch (Throwable t2) {
                        unexpected.add(t2);
                    }
                    try {
                        time.sleep(Duration.ofMillis(1));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            thread.start();
            started.add(thread);
        }
        return started;
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = time.millis() + 15_000;
        while (!condition.getAsBoolean()) {
            assertThat(time.millis()).as("waiting for " + what).isLessThan(end);
            time.sleep(Duration.ofMillis(10));
        }
    }

    private String storedState() {
        return store.get("reliability:breaker:payments")
                .map(v -> v.asMap().get("state").asString())
                .orElse("none");
    }

    private int terminateStoreConnections() throws SQLException {
        int killed = 0;
        try (Connection admin = new UrlDataSource(ServerDatabase.POSTGRESQL.url()).getConnection();
                PreparedStatement ps = admin.prepareStatement(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?")) {
            ps.setString(1, application);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    killed++;
                }
            }
        }
        return killed;
    }

    @Test
    void underLoadNoCallFailsBecauseOfTheStoreEachOutageIsReportedOnceAndStateIsReconciled() throws Exception {
        Registry registry = Registry.builder()
                .stateStore(store)
                .syncInterval(Duration.ofMillis(200))
                .listener(new CircuitBreakerListener() {
                    @Override
                    public void onStoreUnavailable(String breakerName, RuntimeException cause) {
                        events.incrementAndGet();
                    }
                })
                .build();
        CircuitBreaker breaker = registry.circuitBreaker(
                "payments",
                CircuitBreakerConfig.builder()
                        .failureThreshold(3)
                        .openDuration(Duration.ofMillis(800))
                        .build());
        List<Thread> threads = load(breaker, 4);
        time.sleep(Duration.ofMillis(300));

        // Outage 1: the database refuses connections while the service fails and the breaker opens locally
        switchable.on = false;
        serviceUp.set(false);
        await("a local open", () -> !breaker.tryAcquirePermission());
        time.sleep(Duration.ofMillis(1_500));
        int attemptsDuringOutage = switchable.refused.get();
        assertThat(events).hasValue(1);

        switchable.on = true;
        await(
                "the open written after the outage",
                () -> !storedState().equals("none") && !storedState().equals("closed"));
        assertThat(events).hasValue(1);

        // Outage 2: every store connection is terminated while the service recovers
        int eventsBefore = events.get();
        serviceUp.set(true);
        int killed = 0;
        for (int i = 0; i < 5; i++) {
            killed += terminateStoreConnections();
            time.sleep(Duration.ofMillis(150));
        }
        await("the close reconciled", () -> storedState().equals("closed") && breaker.tryAcquirePermission());
        breaker.releasePermission();
        stop.set(true);
        for (Thread t : threads) {
            t.join(10_000);
        }
        registry.close(); // flushes what is queued

        int killEvents = events.get() - eventsBefore;
        report(
                "store operations attempted by the node during a 1.5 s refused-connection outage (sync interval 200 ms): "
                        + attemptsDuringOutage + "; connections terminated: " + killed + "; outage events: 1 + "
                        + killEvents);
        assertThat(unexpected).isEmpty();
        assertThat(attemptsDuringOutage).isBetween(1, 12); // at most one operation per sync interval
        assertThat(killed).isPositive();
        assertThat(killEvents).isBetween(0, 5); // at most one per termination round, each at most one outage
        assertThat(store.get("reliability:breaker:payments").orElseThrow().asMap())
                .containsEntry("failures", StateValue.of(0L));
    }

    @SuppressWarnings("SystemOut") // the measured figures go to the build log, for the closing note
    private static void report(String line) {
        System.out.println(line);
    }
}
