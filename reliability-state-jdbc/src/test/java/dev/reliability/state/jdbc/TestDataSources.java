package dev.reliability.state.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import javax.sql.DataSource;

/** DataSource wrappers for fault injection in tests: no pool library, and no mock of a database. */
final class TestDataSources {
    private TestDataSources() {}

    /** A DataSource that hands out the connections of {@code connections}, counting them. */
    static class Forwarding extends AbstractDataSource {
        final DataSource target;
        final AtomicInteger connections = new AtomicInteger();

        Forwarding(DataSource target) {
            this.target = target;
        }

        @Override
        public Connection getConnection() throws SQLException {
            connections.incrementAndGet();
            return target.getConnection();
        }
    }

    /** Fails the test if any connection is requested: proves that no SQL ran. */
    static DataSource untouchable() {
        return new Forwarding(null) {
            @Override
            public Connection getConnection() {
                throw new AssertionError("no connection may be requested");
            }
        };
    }

    /** Applies {@code setup} to each new connection, such as setting an isolation level. */
    static Forwarding configuring(DataSource target, SqlConsumer<Connection> setup) {
        return new Forwarding(target) {
            @Override
            public Connection getConnection() throws SQLException {
                Connection c = super.getConnection();
                setup.accept(c);
                return c;
            }
        };
    }

    /** Hands out one shared connection whose close() does nothing, as a transaction-bound DataSource does. */
    static Forwarding sharing(Connection shared) {
        Connection unclosable = wrap(shared, (name) -> name.equals("close") ? NO_OP : null);
        return new Forwarding(null) {
            @Override
            public Connection getConnection() {
                connections.incrementAndGet();
                return unclosable;
            }
        };
    }

    /** Counts the connections handed out and not yet closed, in {@code connections}. */
    static Forwarding tracking(DataSource target) {
        return new Forwarding(target) {
            @Override
            public Connection getConnection() throws SQLException {
                Connection real = super.getConnection();
                boolean[] closed = new boolean[1];
                return wrap(
                        real,
                        name -> name.equals("close")
                                ? args -> {
                                    if (!closed[0]) {
                                        closed[0] = true;
                                        connections.decrementAndGet();
                                    }
                                    real.close();
                                    return null;
                                }
                                : null);
            }
        };
    }

    /** Counts the statements prepared, in {@code connections}. */
    static Forwarding countingStatements(DataSource target) {
        return new Forwarding(target) {
            @Override
            public Connection getConnection() throws SQLException {
                Connection real = target.getConnection();
                return wrap(
                        real,
                        name -> name.equals("prepareStatement")
                                ? args -> {
                                    connections.incrementAndGet();
                                    return real.prepareStatement((String) args[0]);
                                }
                                : null);
            }
        };
    }

    /** Reports {@code productName} from the connection's metadata. */
    static Forwarding claiming(DataSource target, String productName) {
        return new Forwarding(target) {
            @Override
            public Connection getConnection() throws SQLException {
                Connection real = super.getConnection();
                return wrap(
                        real,
                        name -> name.equals("getMetaData")
                                ? args -> {
                                    DatabaseMetaData meta = real.getMetaData();
                                    return Proxy.newProxyInstance(
                                            TestDataSources.class.getClassLoader(),
                                            new Class<?>[] {DatabaseMetaData.class},
                                            (p, m, a) -> m.getName().equals("getDatabaseProductName")
                                                    ? productName
                                                    : invoke(m, meta, a));
                                }
                                : null);
            }
        };
    }

    /** When a {@link Cutting} DataSource cuts a connection: before or after its next statement runs. */
    enum Cut {
        BEFORE,
        AFTER
    }

    /**
     * Hands out connections as they are, except the next one (or {@code times}) after {@link #arm}: on its next statement, the
     * database kills the connection's backend from another session, before the statement runs or after it has run
     * (and committed, in auto-commit). Either way the caller gets the driver's own lost-connection error, never a
     * result: after the statement, the error comes from a query the wrapper sends on the dead connection.
     */
    static final class Cutting extends Forwarding {
        private final SqlConsumer<Long> killer;
        private final String backendIdSql;
        private final AtomicReference<Cut> armed = new AtomicReference<>();
        private final AtomicInteger remaining = new AtomicInteger();
        final AtomicInteger cuts = new AtomicInteger();

        /**
         * @param backendIdSql a query for the connection's own backend id, such as {@code SELECT pg_backend_pid()}
         * @param killer kills a backend by id from another connection and waits until it is gone
         */
        Cutting(DataSource target, String backendIdSql, SqlConsumer<Long> killer) {
            super(target);
            this.backendIdSql = backendIdSql;
            this.killer = killer;
        }

        void arm(Cut when) {
            arm(when, 1);
        }

        /** Cuts the next {@code times} connections the store takes, each at {@code when}. */
        void arm(Cut when, int times) {
            remaining.set(times);
            armed.set(when);
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection real = super.getConnection();
            Cut when = armed.get();
            if (when == null || remaining.getAndDecrement() <= 0) {
                return real;
            }
            long id;
            try (Statement s = real.createStatement();
                    ResultSet rs = s.executeQuery(backendIdSql)) {
                rs.next();
                id = rs.getLong(1);
            }
            boolean[] done = new boolean[1];
            return wrap(
                    real,
                    name -> name.equals("prepareStatement")
                            ? args -> {
                                PreparedStatement ps = real.prepareStatement((String) args[0]);
                                return Proxy.newProxyInstance(
                                        TestDataSources.class.getClassLoader(),
                                        new Class<?>[] {PreparedStatement.class},
                                        (p, m, a) -> {
                                            if (done[0] || !m.getName().startsWith("execute")) {
                                                return invoke(m, ps, a);
                                            }
                                            done[0] = true;
                                            cuts.incrementAndGet();
                                            if (when == Cut.BEFORE) {
                                                killer.accept(id);
                                                return invoke(m, ps, a);
                                            }
                                            Object result = invoke(m, ps, a);
                                            killer.accept(id);
                                            if (result instanceof ResultSet resultSet) {
                                                resultSet.close();
                                            }
                                            try (Statement probe = real.createStatement()) {
                                                probe.execute("SELECT 1");
                                            }
                                            throw new AssertionError("the connection survived its kill");
                                        });
                            }
                            : null);
        }
    }

    private static final Handler NO_OP = args -> null;

    @FunctionalInterface
    interface Handler {
        Object handle(Object[] args) throws Throwable;
    }

    @FunctionalInterface
    interface SqlConsumer<T> {
        void accept(T t) throws SQLException;
    }

    private static Connection wrap(Connection real, Function<String, Handler> overrides) {
        return (Connection) Proxy.newProxyInstance(
                TestDataSources.class.getClassLoader(), new Class<?>[] {Connection.class}, (p, m, a) -> {
                    Handler h = overrides.apply(m.getName());
                    return h != null ? h.handle(a) : invoke(m, real, a);
                });
    }

    private static Object invoke(java.lang.reflect.Method m, Object target, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
