package dev.reliability.state.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool.PoolInitializationException;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;

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
        // Checked first, because HikariCP's own message for a missing driver quotes the whole URL, password included.
        try {
            DriverManager.getDriver(url);
        } catch (SQLException noDriver) {
            throw new IllegalStateException(
                    "no JDBC driver on the class path accepts " + JdbcStateStore.maskPasswords(url));
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
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
}
