package dev.reliability.state.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.sql.DataSource;

/**
 * A minimal connection pool for tests (pool libraries are not allowed here): closing a handed-out connection returns
 * it to the pool unless the driver has marked it closed, as it does after a lost connection.
 */
final class TestPool extends TestDataSources.Forwarding implements AutoCloseable {
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();

    TestPool(DataSource target) {
        super(target);
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection real = idle.pollFirst();
        if (real == null) {
            real = super.getConnection();
        }
        Connection pooled = real;
        boolean[] released = new boolean[1];
        return (Connection) Proxy.newProxyInstance(
                TestPool.class.getClassLoader(), new Class<?>[] {Connection.class}, (p, m, args) -> {
                    if (m.getName().equals("close")) {
                        if (!released[0]) {
                            released[0] = true;
                            release(pooled);
                        }
                        return null;
                    }
                    if (m.getName().equals("isClosed") && released[0]) {
                        return true;
                    }
                    try {
                        return m.invoke(pooled, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private void release(Connection real) throws SQLException {
        if (real.isClosed() || !real.getAutoCommit()) {
            real.close();
        } else {
            idle.addFirst(real);
        }
    }

    @Override
    public void close() {
        Connection c;
        while ((c = idle.pollFirst()) != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing test connections at the end
            }
        }
    }
}
