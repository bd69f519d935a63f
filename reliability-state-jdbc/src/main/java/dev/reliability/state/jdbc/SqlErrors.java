package dev.reliability.state.jdbc;

import dev.reliability.state.StateStoreException.Kind;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;

/** Sorts SQLExceptions into the classes the store retries or reports, by SQLState and, on MariaDB, error code. */
final class SqlErrors {
    private static final int MARIADB_DUPLICATE_KEY = 1062;
    private static final int MARIADB_DEADLOCK = 1213;
    private static final int MARIADB_LOCK_WAIT_TIMEOUT = 1205;
    private static final int MARIADB_QUERY_INTERRUPTED = 1317;
    private static final int MARIADB_CONNECTION_KILLED = 1927;
    private static final int MARIADB_SERVER_SHUTDOWN = 1053;
    private static final int MYSQL_SERVER_GONE_AWAY = 2006;
    private static final int MYSQL_SERVER_LOST = 2013;
    private static final int MARIADB_STATEMENT_TIMEOUT = 1969;
    /** SQLite's SQLITE_BUSY: another connection held the lock past the busy timeout; nothing was applied. */
    private static final int SQLITE_BUSY = 5;

    private SqlErrors() {}

    private static String state(SQLException e) {
        return e.getSQLState() == null ? "" : e.getSQLState();
    }

    /** A unique-key violation: a racing first insert, or a lock or key that is already there. */
    static boolean isDuplicateKey(SQLException e) {
        return "23505".equals(state(e)) || e.getErrorCode() == MARIADB_DUPLICATE_KEY;
    }

    /** A serialization failure or deadlock: the statement was rolled back, so running it again is safe. */
    static boolean isConflict(SQLException e) {
        String s = state(e);
        return "40001".equals(s) || "40P01".equals(s) || e.getErrorCode() == MARIADB_DEADLOCK;
    }

    /**
     * A lost or refused connection: whether the statement was applied is unknown. SQLState class 08, PostgreSQL's
     * terminated, crashed or starting server (57P01 to 57P03), and MariaDB's killed connection, shutdown and lost
     * server.
     */
    static boolean isConnectionFailure(SQLException e) {
        String s = state(e);
        int code = e.getErrorCode();
        return s.startsWith("08")
                || s.equals("57P01")
                || s.equals("57P02")
                || s.equals("57P03")
                || code == MARIADB_CONNECTION_KILLED
                || code == MARIADB_SERVER_SHUTDOWN
                || code == MYSQL_SERVER_GONE_AWAY
                || code == MYSQL_SERVER_LOST
                || e instanceof SQLNonTransientConnectionException
                || e instanceof SQLTransientConnectionException
                || e instanceof SQLRecoverableException;
    }

    static boolean isTimeout(SQLException e) {
        String s = state(e);
        int code = e.getErrorCode();
        return e instanceof SQLTimeoutException
                || s.equals("57014") // PostgreSQL and H2: statement cancelled by the query timeout
                || s.equals("55P03") // PostgreSQL: lock_not_available (lock_timeout)
                || s.equals("HYT00") // H2: timeout trying to lock a table
                || code == MARIADB_LOCK_WAIT_TIMEOUT
                || code == MARIADB_STATEMENT_TIMEOUT
                || code == MARIADB_QUERY_INTERRUPTED
                || (code == SQLITE_BUSY && s.isEmpty());
    }

    static Kind classify(SQLException e) {
        if (isConnectionFailure(e)) {
            return Kind.UNAVAILABLE;
        }
        if (isTimeout(e)) {
            return Kind.TIMEOUT;
        }
        if (isConflict(e) || isDuplicateKey(e)) {
            return Kind.CONFLICT;
        }
        if ("22003".equals(state(e))) {
            return Kind.OVERFLOW;
        }
        return Kind.FAILED;
    }
}
