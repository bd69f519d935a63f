package dev.reliability.bench;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.registry.Registry;
import dev.reliability.state.jdbc.JdbcStateStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fleet on paper: N registries, each with its own {@link JdbcStateStore} on its own few connections, standing in for
 * N JVMs, each holding the same M breakers, all on one PostgreSQL. For each configuration it reports:
 *
 * <ul>
 *   <li><b>store transactions/s</b> while the fleet is idle, counted in each registry's DataSource: every statement the
 *       store prepares runs once in auto-commit, so one statement is one transaction. The server-wide {@code
 *       pg_stat_database.xact_commit} delta is printed too, but it includes every other client of the server;
 *   <li><b>propagation</b>, p50 and p99 over the trials: from one registry's breaker taking the failure that opens it
 *       to another registry's breaker of the same name rejecting a call. Each trial uses a breaker no trial opened
 *       before, after a random pause of up to one interval; the rejecting side polls {@code tryAcquirePermission}
 *       every millisecond.
 * </ul>
 *
 * <p>Usage, after {@code mvn -B -pl reliability-bench -am package -DskipTests}:
 *
 * <pre>{@code
 * java -cp reliability-bench/target/benchmarks.jar dev.reliability.bench.ClusterSimulation \
 *     --registries 1,10,50 --breakers 100,1000 [--interval-ms 1000] [--idle-seconds 3] [--trials 20] \
 *     [--connections 2] [--push true] [--url jdbc:postgresql://127.0.0.1:5432/test?user=postgres]
 * }</pre>
 *
 * <p>Every configuration runs on tables of its own ({@code sim_<random>}), dropped at the end. Each registry is built
 * as a service would build it, with its own sync worker, and closed at the end. The server needs {@code registries ×
 * connections} connections on top of its other clients (PostgreSQL's default {@code max_connections} is 100), plus one
 * per registry for its watch with {@code --push true} (the default); {@code --push false} creates the tables without
 * the notify trigger, so every registry polls.
 */
public final class ClusterSimulation {
    private static final String BREAKER_PREFIX = "sim:";
    private static final int FAILURE_THRESHOLD = 3;

    private final String url;
    private final Duration interval;
    private final Duration idle;
    private final int trials;
    private final int connections;
    private final boolean push;

    private ClusterSimulation(String url, Duration interval, Duration idle, int trials, int connections, boolean push) {
        this.url = url;
        this.interval = interval;
        this.idle = idle;
        this.trials = trials;
        this.connections = connections;
        this.push = push;
    }

    /**
     * Runs every combination of the registry and breaker counts and prints one table row each.
     *
     * @param args the options above
     * @throws Exception if the server cannot be reached or a configuration fails
     */
    public static void main(String[] args) throws Exception {
        String url = System.getenv().getOrDefault("RELIABILITY_PG_URL", JdbcBenchmark.DEFAULT_URL);
        int[] registries = {1, 10};
        int[] breakers = {100};
        Duration interval = Duration.ofSeconds(1);
        Duration idle = Duration.ofSeconds(3);
        int trials = 20;
        int connections = 2;
        boolean push = true;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "--registries" -> registries = ints(value);
                case "--breakers" -> breakers = ints(value);
                case "--interval-ms" -> interval = Duration.ofMillis(Long.parseLong(value));
                case "--idle-seconds" -> idle = Duration.ofSeconds(Long.parseLong(value));
                case "--trials" -> trials = Integer.parseInt(value);
                case "--connections" -> connections = Integer.parseInt(value);
                case "--push" -> push = Boolean.parseBoolean(value);
                case "--url" -> url = value;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("every option takes a value, was " + Arrays.toString(args));
        }
        ClusterSimulation simulation = new ClusterSimulation(url, interval, idle, trials, connections, push);
        System.out.printf(
                "sync interval %d ms, %d s idle, %d trials, %d connections per registry, push %s%n%n",
                interval.toMillis(), idle.toSeconds(), trials, connections, push ? "on (one more connection)" : "off");
        System.out.println("| registries | breakers | store tx/s | per registry | server xact/s (all clients) |"
                + " propagation p50 | p99 | max | trials | not adopted |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (int n : registries) {
            for (int m : breakers) {
                System.out.println(simulation.run(n, m));
            }
        }
    }

    private static int[] ints(String list) {
        return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** One stand-in JVM: a registry, its store and its connections. */
    private record Node(CountingPool pool, JdbcStateStore store, Registry registry) {}

    private String run(int registryCount, int breakerCount) throws Exception {
        String table = "sim_" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 20);
        List<Node> nodes = new ArrayList<>();
        try (Connection admin = DriverManager.getConnection(url)) {
            try {
                if (!push) {
                    createTablesWithoutTrigger(admin, table);
                }
                for (int i = 0; i < registryCount; i++) {
                    nodes.add(node(table));
                }
                createBreakers(nodes, breakerCount);
                awaitNanos(interval.toNanos() * 2); // every breaker has been read and refreshed once

                long statements = statements(nodes);
                long commits = serverCommits(admin);
                long start = System.nanoTime();
                awaitNanos(idle.toNanos());
                double seconds = (System.nanoTime() - start) / 1e9;
                double txPerSecond = (statements(nodes) - statements) / seconds;
                double serverPerSecond = (serverCommits(admin) - commits) / seconds;

                List<Long> micros = new ArrayList<>();
                int notAdopted = registryCount < 2 ? 0 : propagation(nodes, breakerCount, micros);
                return String.format(
                        Locale.ROOT,
                        "| %d | %d | %.0f | %.1f | %.0f | %s | %s | %s | %d | %d |",
                        registryCount,
                        breakerCount,
                        txPerSecond,
                        txPerSecond / registryCount,
                        serverPerSecond,
                        millis(percentile(micros, 50)),
                        millis(percentile(micros, 99)),
                        millis(percentile(micros, 100)),
                        micros.size(),
                        notAdopted);
            } finally {
                for (Node node : nodes) {
                    close(node);
                }
                try (Statement s = admin.createStatement()) {
                    s.execute("DROP TABLE IF EXISTS " + table);
                    s.execute("DROP TABLE IF EXISTS " + table + "_l");
                }
            }
        }
    }

    /** Without its trigger the store has nothing to watch, and every registry polls. */
    private void createTablesWithoutTrigger(Connection admin, String table) throws SQLException {
        try (CountingPool pool = new CountingPool(url, 1)) {
            store(pool, table, true).close(); // built: the tables and the trigger exist
        }
        try (Statement s = admin.createStatement()) {
            s.execute("DROP TRIGGER reliability_notify ON " + table);
        }
    }

    private static JdbcStateStore store(CountingPool pool, String table, boolean createTables) {
        return JdbcStateStore.builder(pool)
                .valuesTable(table)
                .locksTable(table + "_l")
                .createTables(createTables)
                .build();
    }

    private Node node(String table) {
        // With push, the store's watch holds one connection of its own for good.
        CountingPool pool = new CountingPool(url, connections + (push ? 1 : 0));
        JdbcStateStore store = store(pool, table, push);
        // The registry as a service would build it, with its own sync worker.
        Registry registry =
                Registry.builder().stateStore(store).syncInterval(interval).build();
        return new Node(pool, store, registry);
    }

    private static void close(Node node) {
        node.registry().close(); // writes what is queued, stops the worker and its watch
        node.store().close();
        node.pool().close();
    }

    private static CircuitBreakerConfig config() {
        return CircuitBreakerConfig.builder()
                .failureThreshold(FAILURE_THRESHOLD)
                .openDuration(Duration.ofMinutes(10))
                .build();
    }

    /** Creates the breakers, registries in parallel as JVMs would start. */
    private static void createBreakers(List<Node> nodes, int breakerCount) throws Exception {
        ExecutorService starters = Executors.newFixedThreadPool(Math.min(nodes.size(), 4));
        try {
            List<Future<?>> started = new ArrayList<>();
            for (Node node : nodes) {
                started.add(starters.submit(() -> {
                    for (int b = 0; b < breakerCount; b++) {
                        node.registry().circuitBreaker(BREAKER_PREFIX + b, config());
                    }
                }));
            }
            for (Future<?> f : started) {
                f.get();
            }
        } finally {
            starters.shutdown();
        }
    }

    /** Opens a fresh breaker in the first registry per trial and times until another registry rejects. */
    private int propagation(List<Node> nodes, int breakerCount, List<Long> micros) {
        int notAdopted = 0;
        long timeout = interval.toNanos() * 5 + TimeUnit.SECONDS.toNanos(1);
        for (int t = 0; t < Math.min(trials, breakerCount); t++) {
            String name = BREAKER_PREFIX + t;
            CircuitBreaker opener = nodes.get(0).registry().circuitBreaker(name, config());
            Node observing = nodes.get(1 + t % (nodes.size() - 1));
            CircuitBreaker observer = observing.registry().circuitBreaker(name, config());
            for (int f = 1; f < FAILURE_THRESHOLD; f++) {
                fail(opener);
            }
            // A trial that started right after the previous one's rejection would start in step with the registries'
            // refresh ticks, which started together: a random pause makes the start independent of them.
            awaitNanos(ThreadLocalRandom.current().nextLong(interval.toNanos()));
            long start = System.nanoTime();
            fail(opener);
            if (opener.state() != CircuitState.OPEN) {
                throw new IllegalStateException(name + " did not open, was " + opener.state());
            }
            boolean adopted = true;
            while (observer.tryAcquirePermission()) {
                observer.releasePermission();
                if (System.nanoTime() - start > timeout) {
                    System.err.println(name + " was not adopted within " + Duration.ofNanos(timeout)
                            + " by registry " + nodes.indexOf(observing) + ": there " + observer.state() + " "
                            + observer.stats() + ", in the store "
                            + observing.store().getVersioned("reliability:breaker:" + name));
                    adopted = false;
                    notAdopted++;
                    break;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            long took = System.nanoTime() - start;
            if (adopted) {
                micros.add(took / 1_000);
            }
        }
        micros.sort(null);
        return notAdopted;
    }

    private static void fail(CircuitBreaker breaker) {
        if (breaker.tryAcquirePermission()) {
            breaker.onError(1_000, new IllegalStateException("simulated failure"));
        }
    }

    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, index));
    }

    private static String millis(long micros) {
        return micros < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
    }

    private static long statements(List<Node> nodes) {
        long sum = 0;
        for (Node node : nodes) {
            sum += node.pool().statements.get();
        }
        return sum;
    }

    private static long serverCommits(Connection admin) throws SQLException {
        try (Statement s = admin.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void awaitNanos(long nanos) {
        long end = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = end - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    /**
     * A pool of at most {@code size} connections from {@link DriverManager}, counting the statements prepared on them.
     * Closing a handed-out connection returns it, unless the driver has closed it.
     */
    private static final class CountingPool extends ConnectionSource implements AutoCloseable {
        private final String url;
        private final Semaphore permits;
        private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
        final AtomicLong statements = new AtomicLong();

        CountingPool(String url, int size) {
            this.url = url;
            this.permits = new Semaphore(size, true);
        }

        @Override
        public Connection getConnection() throws SQLException {
            try {
                if (!permits.tryAcquire(30, TimeUnit.SECONDS)) {
                    throw new SQLException("no connection free within 30 s", "08001");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for a connection", "08001", e);
            }
            Connection real = idle.pollFirst();
            try {
                if (real == null) {
                    real = DriverManager.getConnection(url);
                }
            } catch (SQLException | RuntimeException e) {
                permits.release();
                throw e;
            }
            Connection pooled = real;
            boolean[] released = new boolean[1];
            return (Connection) Proxy.newProxyInstance(
                    ClusterSimulation.class.getClassLoader(), new Class<?>[] {Connection.class}, (p, m, a) -> {
                        switch (m.getName()) {
                            case "close" -> {
                                if (!released[0]) {
                                    released[0] = true;
                                    if (!pooled.isClosed()) {
                                        idle.addFirst(pooled);
                                    }
                                    permits.release();
                                }
                                return null;
                            }
                            case "isClosed" -> {
                                if (released[0]) {
                                    return true;
                                }
                            }
                            case "prepareStatement" -> statements.incrementAndGet();
                            default -> {}
                        }
                        try {
                            return m.invoke(pooled, a);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @Override
        public void close() {
            Connection c;
            while ((c = idle.pollFirst()) != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing at the end of a configuration
                }
            }
        }
    }
}
