package dev.reliability.state.jdbc;

import dev.reliability.state.StateStore;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Push on PostgreSQL. A trigger on the values table (created with the schema) calls {@code pg_notify(channel, key)} for
 * every row written or deleted; the watch {@code LISTEN}s on one connection of its own, taken from the store's
 * DataSource and held until the watch is closed, and a daemon thread reads the notifications with the driver's {@link
 * PGConnection#getNotifications(int)}.
 *
 * <p>A connection that fails, or that fails a periodic validity check, is closed and replaced, with a growing backoff;
 * once the new connection listens, the listener is told {@link StateStore.ChangeListener#missed()}, so that a re-read
 * covers whatever was written while no connection listened. Only this class touches the PostgreSQL driver's API, so the
 * store loads it only on PostgreSQL.
 */
final class PostgresWatch implements StateStore.Watch {
    private static final System.Logger LOG = System.getLogger(PostgresWatch.class.getName());
    /** The trigger's name on the values table; the schema creates it. */
    static final String TRIGGER = "reliability_notify";
    /** How long one read of notifications waits: bounds how long {@link #close()} waits for the thread. */
    private static final int POLL_MILLIS = 200;
    /** After this many reads without a notification (5 s), the connection is checked, so a silent death is noticed. */
    private static final int QUIET_READS_BEFORE_CHECK = 25;

    private static final long MIN_BACKOFF_MILLIS = 50;
    private static final long MAX_BACKOFF_MILLIS = 5_000;

    private final DataSource dataSource;
    private final String channel;
    private final String keyPrefix;
    private final StateStore.ChangeListener listener;
    private final int timeoutSeconds;
    private final Consumer<PostgresWatch> onClose;
    private final CountDownLatch closing = new CountDownLatch(1);
    /** Held while a notification is delivered, so that none is delivered once {@link #close()} has returned. */
    private final Object delivery = new Object();

    private final Thread thread;
    /** The listening connection; written by the watch's thread only (and its creator before the thread starts). */
    private Connection connection;

    private volatile PGConnection listening;

    private PostgresWatch(
            DataSource dataSource,
            String channel,
            String keyPrefix,
            StateStore.ChangeListener listener,
            int timeoutSeconds,
            Consumer<PostgresWatch> onClose,
            Connection connection,
            PGConnection listening) {
        this.dataSource = dataSource;
        this.channel = channel;
        this.keyPrefix = keyPrefix;
        this.listener = listener;
        this.timeoutSeconds = timeoutSeconds;
        this.onClose = onClose;
        this.connection = connection;
        this.listening = listening;
        this.thread = new Thread(this::run, "reliability-watch-" + channel);
        thread.setDaemon(true);
    }

    /**
     * The notification channel of a values table: its name in lowercase, as PostgreSQL folds the unquoted name, so
     * that every store on the table agrees. Names longer than a channel may be (63 bytes) are shortened with a hash.
     */
    static String channel(String valuesTable) {
        String name = valuesTable.toLowerCase(Locale.ROOT);
        if (name.length() <= 63) {
            return name;
        }
        return name.substring(0, 54) + "_" + String.format(Locale.ROOT, "%08x", name.hashCode());
    }

    /**
     * Starts a watch, listening before it returns: every write committed after this returns is notified.
     *
     * @return the running watch, or null if the connection is not the PostgreSQL driver's or the values table has no
     *     notify trigger (it was created by an older version with {@code createTables(false)}), so the caller must poll
     * @throws SQLException if no connection could be opened or the {@code LISTEN} failed
     * @throws LinkageError if the PostgreSQL driver is not on the class path
     */
    static PostgresWatch start(
            DataSource dataSource,
            String valuesTable,
            String keyPrefix,
            StateStore.ChangeListener listener,
            int timeoutSeconds,
            Consumer<PostgresWatch> onClose)
            throws SQLException {
        Connection c = dataSource.getConnection();
        try {
            if (!c.isWrapperFor(PGConnection.class) || !hasTrigger(c, valuesTable, timeoutSeconds)) {
                c.close();
                return null;
            }
            String channel = channel(valuesTable);
            PGConnection pg = listen(c, channel, timeoutSeconds);
            PostgresWatch watch =
                    new PostgresWatch(dataSource, channel, keyPrefix, listener, timeoutSeconds, onClose, c, pg);
            watch.thread.start();
            return watch;
        } catch (SQLException | RuntimeException | LinkageError e) {
            JdbcStateStore.closeQuietly(c);
            throw e;
        }
    }

    private static boolean hasTrigger(Connection c, String valuesTable, int timeoutSeconds) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(?) AND tgname = '" + TRIGGER + "'")) {
            ps.setQueryTimeout(timeoutSeconds);
            ps.setString(1, valuesTable);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static PGConnection listen(Connection c, String channel, int timeoutSeconds) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        if (!c.getAutoCommit()) {
            c.setAutoCommit(true); // a LISTEN takes effect at commit; this connection is ours alone
        }
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(timeoutSeconds);
            s.execute("LISTEN \"" + channel + "\""); // the channel has identifier characters and dots only
        }
        return pg;
    }

    /** The process id of the listening backend, for tests that terminate it. */
    int backendPid() {
        return listening.getBackendPID();
    }

    private boolean closing() {
        return closing.getCount() == 0;
    }

    private void run() {
        long backoff = MIN_BACKOFF_MILLIS;
        int quietReads = 0;
        boolean failing = false;
        while (!closing()) {
            try {
                if (connection == null) {
                    connection = dataSource.getConnection();
                    listening = listen(connection, channel, timeoutSeconds);
                    backoff = MIN_BACKOFF_MILLIS;
                    failing = false;
                    deliver(null);
                }
                PGNotification[] notifications = listening.getNotifications(POLL_MILLIS);
                if (notifications != null) {
                    quietReads = 0;
                    for (PGNotification n : notifications) {
                        if (n.getName().equals(channel) && n.getParameter().startsWith(keyPrefix)) {
                            deliver(n.getParameter());
                        }
                    }
                } else if (++quietReads >= QUIET_READS_BEFORE_CHECK) {
                    quietReads = 0;
                    if (!connection.isValid(timeoutSeconds)) {
                        throw new SQLException("the listening connection is no longer valid", "08003");
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closing()) {
                    break;
                }
                if (!failing) {
                    failing = true;
                    LOG.log(Level.WARNING, "watch on " + channel + " lost its connection; reconnecting", e);
                }
                JdbcStateStore.closeQuietly(connection);
                connection = null;
                awaitClosing(backoff);
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            }
        }
        release();
    }

    /** Tells the listener of one key, or, for null, that notifications may have been missed. */
    private void deliver(String key) {
        synchronized (delivery) {
            if (closing()) {
                return;
            }
            try {
                if (key == null) {
                    listener.missed();
                } else {
                    listener.changed(key);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a change listener on " + channel + " threw", e);
            }
        }
    }

    /** Waits for the backoff, returning early when the watch is closed. */
    private void awaitClosing(long millis) {
        try {
            closing.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing.countDown();
        }
    }

    /** Stops listening before the connection goes back to a pool, where it would otherwise keep collecting events. */
    private void release() {
        Connection c = connection;
        connection = null;
        if (c == null) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(timeoutSeconds);
            s.execute("UNLISTEN *");
        } catch (SQLException ignored) {
            // a broken connection listens to nothing; closing it is all that is left
        }
        JdbcStateStore.closeQuietly(c);
    }

    /** Stops the thread, waiting for it to release its connection; no notification is delivered after this returns. */
    @Override
    public void close() {
        if (closing()) {
            return;
        }
        synchronized (delivery) {
            closing.countDown(); // after a delivery in progress; later ones see the watch closed
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(timeoutSeconds) + POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        onClose.accept(this);
    }

    @Override
    public String toString() {
        return "PostgresWatch[" + channel + ", prefix=" + keyPrefix + "]";
    }
}
