package dev.reliability.state.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
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
