package dev.reliability.state.jdbc;

import dev.reliability.state.StateStoreException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The embedded default's database: one SQLite file in WAL mode with {@code synchronous=NORMAL}, on one connection that
 * is lent to one operation at a time.
 *
 * <p>WAL with {@code synchronous=NORMAL} makes a commit durable against the death of the process (kill -9, out of
 * memory, {@code System.exit}) as soon as the statement returns: SQLite has written it to the WAL file, and the
 * operating system keeps it. Only the loss of the operating system itself (power, kernel crash) can undo the commits
 * since the last checkpoint; the file still opens, at an earlier consistent state. Several processes share the file
 * through WAL's shared-memory index: readers never block, and a writer waits for another's write lock for up to the
 * busy timeout.
 *
 * <p>One connection keeps every statement prepared once: SQLite compiles a statement in about as long as it runs it.
 * Statements prepared on the lent connection are cached; closing them only clears their parameters.
 */
final class SqliteFile extends AbstractDataSource implements AutoCloseable {
    /** How long a writer waits for another process's write lock before the statement fails. */
    static final int BUSY_TIMEOUT_MS = 10_000;

    private static final int SQLITE_BUSY = 5;
    private static final int SQLITE_CANTOPEN = 14;
    private static final int SQLITE_CORRUPT = 11;
    private static final int SQLITE_NOTADB = 26;

    private final Path file;
    private final Connection connection;
    private final Connection lent;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock(true);

    private SqliteFile(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
        this.lent = (Connection) Proxy.newProxyInstance(
                SqliteFile.class.getClassLoader(), new Class<?>[] {Connection.class}, this::onConnection);
    }

    /**
     * Opens (or creates) the file and switches it to WAL.
     *
     * @throws StateStoreException naming the file, what went wrong and what to do, if it cannot be opened
     */
    static SqliteFile open(Path file) {
        Connection c = null;
        try {
            c = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MS);
                try (ResultSet rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
                    String mode = rs.next() ? rs.getString(1) : null;
                    if (!"wal".equalsIgnoreCase(mode)) {
                        throw new SQLException("the file system does not support WAL mode (journal mode " + mode + ")");
                    }
                }
                s.execute("PRAGMA synchronous = NORMAL");
            }
            return new SqliteFile(file, c);
        } catch (SQLException e) {
            closeQuietly(c);
            throw cannotOpen(file, e);
        }
    }

    Path file() {
        return file;
    }

    /**
     * An error that names the file, what went wrong and what to do: move a damaged file aside, free a locked one, or
     * fix the directory. Never a silent fresh start.
     */
    static StateStoreException cannotOpen(Path file, SQLException cause) {
        String advice =
                switch (cause.getErrorCode()) {
                    case SQLITE_NOTADB, SQLITE_CORRUPT ->
                        "The file is damaged, or is not an SQLite database. Nothing was changed. To start again with"
                                + " empty state, move it aside (mv '" + file + "' '" + file + ".broken', with its -wal"
                                + " and -shm files if there are any), or restore it from a backup.";
                    case SQLITE_BUSY -> "Another process holds it locked; try again when it has finished.";
                    case SQLITE_CANTOPEN ->
                        "Check that its directory exists and that this user may read and write there.";
                    default ->
                        "Nothing was changed; if the file is damaged, move it aside to start again with empty state.";
                };
        return new EmbeddedFileException(
                "cannot open the state file " + file + ": " + cause.getMessage() + ". " + advice, cause);
    }

    @Override
    public Connection getConnection() throws SQLException {
        lock.lock();
        if (connection.isClosed()) {
            lock.unlock();
            throw new SQLException("the state file " + file + " is closed", "08003");
        }
        return lent;
    }

    private Object onConnection(Object proxy, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "close" -> {
                if (lock.isHeldByCurrentThread()) {
                    lock.unlock();
                }
                return null;
            }
            case "prepareStatement" -> {
                if (args.length == 1) {
                    return cached((String) args[0]);
                }
            }
            default -> {}
        }
        try {
            return method.invoke(connection, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private PreparedStatement cached(String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            PreparedStatement prepared = connection.prepareStatement(sql);
            ps = (PreparedStatement) Proxy.newProxyInstance(
                    SqliteFile.class.getClassLoader(), new Class<?>[] {PreparedStatement.class}, (p, m, a) -> {
                        if (m.getName().equals("close")) {
                            prepared.clearParameters();
                            return null;
                        }
                        try {
                            return m.invoke(prepared, a);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            statements.put(sql, ps);
        }
        return ps;
    }

    /** Closes the connection, after any operation that has it now. */
    @Override
    public void close() {
        lock.lock();
        try {
            closeQuietly(connection);
        } finally {
            lock.unlock();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Closing releases the file; SQLite has already made every commit durable.
            }
        }
    }

    @Override
    public String toString() {
        return "SqliteFile[" + file + "]";
    }
}
