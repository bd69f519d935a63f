package dev.reliability.state.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool.PoolInitializationException;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The connection pool behind {@link JdbcStateStore#builderForUrl(String)}: HikariCP, sized for a state store.
 *
 * <p>A connection per operation straight from the driver cost 7.7 ms on PostgreSQL (a backend forked each time)
 * against 0.4 ms for the statement itself; the pool keeps connections open, checks one with {@code isValid} before
 * handing it out after it sat idle, and evicts one that failed with a connection error, so the next operation gets a
 * new one.
 */
final class UrlPool {
    /** Enough for a service's concurrent breakers and scripts; an idle pool shrinks back to {@link #MIN_IDLE}. */
    static final int MAX_SIZE = 10;

    /** One warm connection: a short CLI run opens no more than it uses. */
    static final int MIN_IDLE = 1;

    private UrlPool() {}

    /**
     * Whether the pool's connections time their statements out on the server, so that the store need not set a query
     * timeout on each statement. On PostgreSQL it does: the driver times each {@code setQueryTimeout} with a task on a
     * timer thread, woken for every statement (in a run of increments, a sixth of the CPU of the calling thread), while the session's {@code
     * statement_timeout} cancels a statement on the server as the driver's cancel would, with the same SQLState.
     */
    static boolean timesOutOnServer(String url) {
        return url.startsWith("jdbc:postgresql:");
    }

    /**
     * Opens a pool on {@code url} and its first connection.
     *
     * @param url the JDBC URL, credentials included
     * @param connectionTimeout how long one attempt waits for a connection before it fails; at least 250 ms is used
     * @param statementTimeout where {@link #timesOutOnServer(String)}, how long a statement may run before the server
     *     cancels it
     * @throws IllegalStateException if no driver on the class path accepts the URL
     * @throws SQLException if the first connection cannot be opened
     */
    static HikariDataSource open(String url, Duration connectionTimeout, Duration statementTimeout)
            throws SQLException {
        // Found first, because HikariCP's own message for a missing driver quotes the whole URL, password included.
        Driver driver = driverFor(url);
        HikariConfig config = new HikariConfig();
        config.setDataSource(new DriverSource(driver, url));
        config.setPoolName("reliability-state");
        config.setMaximumPoolSize(MAX_SIZE);
        config.setMinimumIdle(MIN_IDLE);
        // HikariCP's floor for both is 250 ms; validation must not outlast the wait for a connection.
        long waitMillis = Math.max(250, connectionTimeout.toMillis());
        config.setConnectionTimeout(waitMillis);
        config.setValidationTimeout(Math.max(250, waitMillis / 2));
        if (timesOutOnServer(url)) {
            // Once per connection, which then stays in auto-commit: a SET outside a transaction holds for the session.
            // Whole seconds, rounded up, as the store's per-statement timeout elsewhere.
            long seconds = Math.max(1, (statementTimeout.toMillis() + 999) / 1000);
            config.setConnectionInitSql("SET statement_timeout = " + seconds * 1000);
        }
        try {
            return new HikariDataSource(config);
        } catch (PoolInitializationException e) {
            if (e.getCause() instanceof SQLException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /**
     * The driver that accepts {@code url}. {@link DriverManager} would load and initialize every driver on the class path
     * first (the CLI jar has four: a tenth of a second of CPU in a run of a few seconds), so the service providers are
     * instantiated here one by one, those whose class name contains the URL's subprotocol ({@code postgresql} in
     * {@code org.postgresql.Driver}) first, until one accepts the URL; a driver registered some other way is still
     * found through {@link DriverManager}.
     */
    static Driver driverFor(String url) {
        int end = url.indexOf(':', "jdbc:".length());
        String subprotocol =
                url.substring("jdbc:".length(), end < 0 ? url.length() : end).toLowerCase(Locale.ROOT);
        List<ServiceLoader.Provider<Driver>> others = new ArrayList<>();
        try {
            for (ServiceLoader.Provider<Driver> provider :
                    ServiceLoader.load(Driver.class).stream().toList()) {
                if (!subprotocol.isEmpty()
                        && provider.type().getName().toLowerCase(Locale.ROOT).contains(subprotocol)) {
                    Driver driver = accepting(provider, url);
                    if (driver != null) {
                        return driver;
                    }
                } else {
                    others.add(provider);
                }
            }
        } catch (ServiceConfigurationError unreadable) {
            // A broken provider entry: DriverManager below skips it the same way.
        }
        for (ServiceLoader.Provider<Driver> provider : others) {
            Driver driver = accepting(provider, url);
            if (driver != null) {
                return driver;
            }
        }
        try {
            return DriverManager.getDriver(url);
        } catch (SQLException noDriver) {
            throw new IllegalStateException(
                    "no JDBC driver on the class path accepts " + JdbcStateStore.maskPasswords(url));
        }
    }

    /** The provider's driver if it accepts {@code url}; null if it does not, or cannot be loaded. */
    private static Driver accepting(ServiceLoader.Provider<Driver> provider, String url) {
        try {
            Driver driver = provider.get();
            return driver.acceptsURL(url) ? driver : null;
        } catch (ServiceConfigurationError | SQLException | LinkageError unusable) {
            return null; // as DriverManager does with a driver it cannot load
        }
    }

    /** Connections from one driver to one URL, as HikariCP's own data source makes them, minus the driver search. */
    private static final class DriverSource extends AbstractDataSource {
        private final Driver driver;
        private final String url;

        DriverSource(Driver driver, String url) {
            this.driver = driver;
            this.url = url;
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection c = driver.connect(url, new Properties());
            if (c == null) {
                throw new SQLException("the driver refused the URL " + JdbcStateStore.maskPasswords(url), "08001");
            }
            return c;
        }

        /** Where drivers read it from, as with HikariCP's own data source: the connection timeout, per attempt. */
        @Override
        public void setLoginTimeout(int seconds) {
            DriverManager.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() {
            return DriverManager.getLoginTimeout();
        }
    }
}
