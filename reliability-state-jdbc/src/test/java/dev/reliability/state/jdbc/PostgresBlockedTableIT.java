package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.TimeSource;
import dev.reliability.circuitbreaker.CallNotPermittedException;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.registry.Registry;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 10's "a blocked store blocks nobody" on a real database: another session holds {@code LOCK TABLE ... IN ACCESS
 * EXCLUSIVE MODE} on the store's values table for seconds, so every statement of the registry's sync worker waits on
 * it, while two threads call 100 closed breakers of that registry (succeeding and failing) and an open one (rejected).
 * In the same run, the same load on a registry without a store gives the figure to compare with.
 */
class PostgresBlockedTableIT {
    private static final TimeSource SYSTEM = TimeSource.system();
    private static final Duration LOCKED = Duration.ofMillis(3_500);
    /** Before each measured load, so that class loading and compilation of the first calls are not measured. */
    private static final Duration WARM_UP = Duration.ofMillis(500);

    private static final int BREAKERS = 100;
    private static final int THREADS = 2;
    /**
     * The store timeout is longer than the lock, so a call that waited on the store at all would take seconds; the
     * bound sits far above scheduler pauses on a loaded two-core machine (124 ms seen) and far below such a wait.
     */
    private static final long BOUND_NANOS = Duration.ofSeconds(1).toNanos();

    private static DataSource plain;
    private static TestPool pool;
    private static Tables tables;

    @BeforeAll
    static void connect() {
        plain = ServerDatabase.POSTGRESQL.dataSource();
        pool = new TestPool(plain);
        tables = new Tables(plain);
    }

    @AfterAll
    static void dropTables() {
        if (tables != null) {
            tables.dropAll();
            pool.close();
        }
    }

    /** Failures never reach the threshold: a success on the same breaker comes between any two of one thread. */
    private static CircuitBreakerConfig config() {
        return CircuitBreakerConfig.builder()
                .failureThreshold(5)
                .openDuration(Duration.ofMinutes(10))
                .build();
    }

    @Test
    void callsThroughStoreBackedBreakersDoNotWaitForALockedTable() throws Exception {
        String[] names = tables.next();
        Load stored;
        Load local;
        try (JdbcStateStore store = JdbcStateStore.builder(pool)
                        .valuesTable(names[0])
                        .locksTable(names[1])
                        .build();
                Registry registry = Registry.builder()
                        .stateStore(store)
                        .syncInterval(Duration.ofSeconds(1))
                        .storeTimeout(LOCKED.plusSeconds(5))
                        .build()) {
            List<CircuitBreaker> closed = breakers(registry);
            CircuitBreaker open = registry.circuitBreaker("open", config());
            open.forceOpen();
            awaitStored(store, "open");
            load(closed, open, WARM_UP);

            try (Connection locker = plain.getConnection()) {
                locker.setAutoCommit(false);
                try (Statement s = locker.createStatement()) {
                    s.execute("LOCK TABLE " + names[0] + " IN ACCESS EXCLUSIVE MODE");
                }
                try {
                    stored = load(closed, open, LOCKED);
                    assertThat(waitersOn(names[0]))
                            .as("the sync worker's statements waiting on the lock")
                            .isPositive();
                } finally {
                    locker.rollback();
                }
            }
            assertThat(closed).allSatisfy(b -> assertThat(b.state()).isEqualTo(CircuitState.CLOSED));
            assertThat(open.state()).isEqualTo(CircuitState.FORCED_OPEN);
            closed.get(0).forceOpen(); // the worker is free again: a new write reaches the store
            awaitStored(store, closed.get(0).name());
        }
        try (Registry registry = Registry.builder().build()) {
            CircuitBreaker open = registry.circuitBreaker("open", config());
            open.forceOpen();
            List<CircuitBreaker> closed = breakers(registry);
            load(closed, open, WARM_UP);
            local = load(closed, open, LOCKED);
        }

        report("PostgresBlockedTableIT: table locked for " + LOCKED.toMillis() + " ms, " + THREADS + " threads, "
                + BREAKERS + " closed breakers and 1 open");
        report("  store-backed (table locked): " + stored);
        report("  local registry (no store):   " + local);
        assertThat(stored.rejections).isPositive();
        assertThat(stored.failures).isPositive();
        assertThat(stored.closedMaxNanos).isLessThan(BOUND_NANOS);
        assertThat(stored.rejectedMaxNanos).isLessThan(BOUND_NANOS);
    }

    private static List<CircuitBreaker> breakers(Registry registry) {
        List<CircuitBreaker> breakers = new ArrayList<>();
        for (int i = 0; i < BREAKERS; i++) {
            breakers.add(registry.circuitBreaker("b" + i, config()));
        }
        return breakers;
    }

    /** Waits until the worker has written the breaker's record as open. */
    private static void awaitStored(JdbcStateStore store, String breaker) throws InterruptedException {
        long end = SYSTEM.nanoTime() + Duration.ofSeconds(5).toNanos();
        String key = "reliability:breaker:" + breaker;
        while (!store.get(key)
                        .map(v -> v.asMap().get("state").asString())
                        .orElse("none")
                        .equals("forced-open")
                && SYSTEM.nanoTime() < end) {
            SYSTEM.sleep(Duration.ofMillis(5));
        }
        assertThat(store.get(key).orElseThrow().asMap().get("state").asString()).isEqualTo("forced-open");
    }

    /** Sessions waiting for a lock on the table: the sync worker's, as no other session knows the table. */
    private static int waitersOn(String table) throws SQLException {
        try (Connection c = plain.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*) FROM pg_locks WHERE relation = to_regclass(?) AND NOT granted")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** What the calling threads saw: per-call times of the closed breakers' calls and of the rejections. */
    private static final class Load {
        final Histogram closedCalls = new Histogram();
        final Histogram rejectedCalls = new Histogram();
        long closedMaxNanos;
        long rejectedMaxNanos;
        long failures;
        long rejections;

        synchronized void add(Load other) {
            closedCalls.add(other.closedCalls);
            rejectedCalls.add(other.rejectedCalls);
            closedMaxNanos = Math.max(closedMaxNanos, other.closedMaxNanos);
            rejectedMaxNanos = Math.max(rejectedMaxNanos, other.rejectedMaxNanos);
            failures += other.failures;
            rejections += other.rejections;
        }

        @Override
        public String toString() {
            return String.format(
                    "%d closed-breaker calls (%d failing): slowest %.3f ms, p99.99 %.3f ms, p50 %.4f ms;"
                            + " %d rejections: slowest %.3f ms, p99.99 %.3f ms",
                    closedCalls.count(),
                    failures,
                    closedMaxNanos / 1e6,
                    closedCalls.percentileMicros(99.99) / 1e3,
                    closedCalls.percentileMicros(50) / 1e3,
                    rejections,
                    rejectedMaxNanos / 1e6,
                    rejectedCalls.percentileMicros(99.99) / 1e3);
        }
    }

    /** Call times in whole microseconds up to 100 ms, the bound (the maxima are kept exactly beside it). */
    private static final class Histogram {
        private final long[] counts = new long[100_001];

        void record(long nanos) {
            counts[(int) Math.min(counts.length - 1, nanos / 1_000)]++;
        }

        void add(Histogram other) {
            for (int i = 0; i < counts.length; i++) {
                counts[i] += other.counts[i];
            }
        }

        long count() {
            long n = 0;
            for (long c : counts) {
                n += c;
            }
            return n;
        }

        /** The smallest bucket (in µs, rounded up) at or below which {@code p} % of the calls fall. */
        long percentileMicros(double p) {
            long rank = (long) Math.ceil(p / 100 * count());
            long seen = 0;
            for (int i = 0; i < counts.length; i++) {
                seen += counts[i];
                if (seen >= rank) {
                    return i + 1L;
                }
            }
            return counts.length;
        }
    }

    /**
     * {@link #THREADS} threads call the closed breakers in turn for {@code duration}: every 7th call fails, every 10th
     * iteration also calls the open breaker, which rejects. Each thread pauses briefly every 64 iterations, so that
     * the sync worker, the collector and the database get a core without preempting a call in flight: on this 2-core
     * machine, shared with other builds, the slowest call would otherwise measure the scheduler.
     */
    private static Load load(List<CircuitBreaker> closed, CircuitBreaker open, Duration duration) throws Exception {
        Load total = new Load();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch ready = new CountDownLatch(THREADS);
        // Dedicated threads: the common pool may run fewer tasks at once than THREADS (one on two cores), and the
        // latch below waits for all of them.
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<CompletableFuture<Void>> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int offset = t * (BREAKERS / THREADS);
            threads.add(CompletableFuture.runAsync(
                    () -> {
                        Load mine = new Load();
                        ready.countDown();
                        for (long k = 0; !stop.get(); k++) {
                            if (k % 64 == 0) {
                                LockSupport.parkNanos(50_000);
                            }
                            CircuitBreaker breaker = closed.get((int) ((k + offset) % BREAKERS));
                            boolean failing = k % 7 == 0;
                            long start = System.nanoTime();
                            try {
                                breaker.run(() -> {
                                    if (failing) {
                                        throw new IOException("service down");
                                    }
                                });
                            } catch (IOException expected) {
                                mine.failures++;
                            }
                            long took = System.nanoTime() - start;
                            mine.closedCalls.record(took);
                            mine.closedMaxNanos = Math.max(mine.closedMaxNanos, took);
                            if (k % 10 == 0) {
                                start = System.nanoTime();
                                try {
                                    open.run(() -> {});
                                    throw new AssertionError("the open breaker let a call through");
                                } catch (CallNotPermittedException expected) {
                                    mine.rejections++;
                                }
                                took = System.nanoTime() - start;
                                mine.rejectedCalls.record(took);
                                mine.rejectedMaxNanos = Math.max(mine.rejectedMaxNanos, took);
                            }
                        }
                        total.add(mine);
                    },
                    pool));
        }
        try {
            ready.await();
            SYSTEM.sleep(duration);
            stop.set(true);
            for (CompletableFuture<Void> thread : threads) {
                thread.get();
            }
        } finally {
            stop.set(true);
            pool.shutdown();
        }
        return total;
    }

    @SuppressWarnings("SystemOut") // the measured figures go to the build log, for the closing note
    private static void report(String line) {
        System.out.println(line);
    }
}
