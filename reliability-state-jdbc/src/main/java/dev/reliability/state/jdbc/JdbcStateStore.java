package dev.reliability.state.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.reliability.TimeSource;
import dev.reliability.state.AbstractStateStore;
import dev.reliability.state.StateStore;
import dev.reliability.state.StateStoreException;
import dev.reliability.state.StateStoreException.Kind;
import dev.reliability.state.StateValue;
import dev.reliability.state.VersionedValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A {@link StateStore} in a database: an SQLite file (the embedded default, see {@link #embedded(Path)}), PostgreSQL,
 * MariaDB/MySQL or H2. State survives restarts and is shared by every JVM that uses the same tables.
 *
 * <pre>{@code
 * StateStore store = JdbcStateStore.builder(dataSource)   // the dialect is detected
 *     .valuesTable("reliability_state")
 *     .queryTimeout(Duration.ofSeconds(2))
 *     .build();                                           // creates the tables if they are missing
 * long n = store.increment("requests", 1);
 * }</pre>
 *
 * <p><b>Statements.</b> Each operation takes a connection from the {@code DataSource}, uses it, and closes it. Writes
 * are single atomic statements: upserts for {@code set}, {@code increment} and {@code append}, compare-and-set on the
 * version for versioned records, and insert-if-absent-or-expired for locks. Operations that transform a structured
 * value in Java ({@code listPush}, {@code listPop}, {@code compareAndSet}, a double {@code increment}, and the rare
 * increment of a numeric string) read the row and write it back with a compare-and-set on its version, repeating on a
 * race. Every statement gets the query timeout (in a PostgreSQL pool of {@link #builderForUrl(String)}, as the
 * session's {@code statement_timeout}, which spares the driver a timer task per statement), and values are always
 * bound as parameters.
 *
 * <p><b>Connections.</b> The store expects connections in auto-commit mode, and the default isolation level of the
 * database (read committed on PostgreSQL). A connection handed out with auto-commit off is used as it is: the store
 * neither commits nor rolls back, so its writes join the caller's transaction.
 *
 * <p><b>Many records at once.</b> {@link #getAllVersioned(Collection)} reads up to {@value DialectSql#MAX_BATCH} keys
 * per statement, on one connection.
 *
 * <p><b>Push on PostgreSQL.</b> A trigger on the values table, created with the schema (and added to an existing table
 * when a store is built), notifies the key of every written or deleted row with {@code pg_notify}; {@link
 * #watch(String, ChangeListener)} listens on one connection of its own and tells its listener. H2 and MariaDB cannot
 * push: their callers poll.
 *
 * <p><b>Failures.</b> Serialization failures and deadlocks (SQLState 40001, 40P01, MariaDB 1213) are retried up to
 * {@link Builder#maxAttempts(int)} times; the unique-key race of H2's {@code MERGE}, which applied nothing and says
 * nothing about the database's health, up to 50 times. A lost connection (SQLState
 * class 08, 57P01 to 57P03, MariaDB's killed or lost connection) is one broken connection, not yet an outage: the
 * operation gets fresh connections, up to {@link Builder#maxAttempts(int)} in all, as backends terminated one after
 * another (a restarted server, a pooler recycling) still leave a connection that answers. On them, operations that may
 * safely run twice (reads, {@code set}, {@code
 * setTtl}) run again; {@link #compareAndSetVersion} reads the record back and reports success if it holds our value at
 * the next version, and otherwise runs again, its version condition keeping it from applying twice; the others (such as
 * {@code increment}, {@code append} and the list operations), whose lost write may or may not have been applied, are
 * reported as failed and never run twice. Then a {@link StateStoreException} names the operation, the dialect and the
 * SQLState, never the values.
 *
 * <p><b>Time.</b> See {@link TimeMode}: database time by default on PostgreSQL and MariaDB, the {@link TimeSource}'s
 * wall clock on SQLite and H2. Times are stored as epoch milliseconds.
 *
 * <p>Thread-safe, as long as the {@code DataSource} is.
 */
public final class JdbcStateStore extends AbstractStateStore {
    /** The default values table. */
    public static final String DEFAULT_VALUES_TABLE = "reliability_state";
    /** The default locks table. */
    public static final String DEFAULT_LOCKS_TABLE = "reliability_lock";
    /** The default query timeout: 5 seconds. */
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(5);
    /** The default number of attempts for a statement that hits a transient failure: 5. */
    public static final int DEFAULT_MAX_ATTEMPTS = 5;

    /** Attempts for H2's {@code MERGE} race, which says nothing about the database's health. */
    private static final int H2_MERGE_RACE_ATTEMPTS = 50;

    private static final Pattern PASSWORD_PROPERTY = Pattern.compile("(?i)(password\\s*=)[^&;\\s]*");
    private static final Pattern USER_INFO_PASSWORD = Pattern.compile("(//[^/:@\\s]*:)[^/@\\s]*@");
    private static final Pattern IDENTIFIER =
            Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?");
    /** How many times a read-and-compare-and-set loop may lose a race before it reports a conflict. */
    private static final int MAX_CAS_ROUNDS = 1_000;

    private final DataSource dataSource;
    private final SqlDialect dialect;
    private final TimeMode timeMode;
    private final TimeSource timeSource;
    private final int queryTimeoutSeconds;
    /** The own pool's sessions time statements out ({@link UrlPool#timesOutOnServer}), so statements need not. */
    private final boolean sessionTimeout;

    private final int maxAttempts;
    private final String valuesTable;
    private final String locksTable;
    private final DialectSql sql;
    private final Set<PostgresWatch> watches = ConcurrentHashMap.newKeySet();
    /** The pool that {@link #builderForUrl(String)} opened for this store; null for a caller's DataSource. */
    private final HikariDataSource ownPool;
    /** The embedded database this store opened, closed with it; or null. */
    private final SqliteFile owned;

    private volatile boolean closed;

    private JdbcStateStore(Builder b, DataSource dataSource, SqlDialect dialect, HikariDataSource ownPool) {
        super(dialect.id(), b.maxValueBytes);
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.timeMode = b.timeMode != null ? b.timeMode : dialect.embedded() ? TimeMode.CLIENT : TimeMode.DATABASE;
        this.timeSource = b.timeSource;
        this.queryTimeoutSeconds = (int) Math.max(1, (b.queryTimeout.toMillis() + 999) / 1000);
        this.maxAttempts = b.maxAttempts;
        this.valuesTable = b.valuesTable;
        this.locksTable = b.locksTable;
        this.sql = DialectSql.of(dialect, valuesTable, locksTable, timeMode);
        this.ownPool = ownPool;
        this.owned = b.owned;
        this.sessionTimeout = ownPool != null && UrlPool.timesOutOnServer(b.poolUrl);
    }

    /**
     * Returns a builder for a store on {@code dataSource}.
     *
     * @param dataSource where connections come from; the store never closes it
     * @return a builder
     * @throws NullPointerException if {@code dataSource} is null
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(Objects.requireNonNull(dataSource, "dataSource"), null);
    }

    /**
     * Returns a builder for a store that owns a pool of connections to a JDBC URL. The driver must be on the class
     * path.
     *
     * <p><b>How connections are managed.</b> {@link Builder#build()} opens a HikariCP pool and its first connection
     * (a failure there fails the build). The pool keeps one connection open when idle and opens more on demand, up to
     * 10. A connection that sat idle for more than half a second is checked with {@code Connection.isValid} before an
     * operation gets it; one that fails with a connection error is dropped and replaced, and the operation is retried
     * on a new connection only if it may run twice (see the class comment). An operation waits for a connection at
     * most about the {@link Builder#queryTimeout(Duration) query timeout} in all, shared among its {@link
     * Builder#maxAttempts(int) attempts} (at least 250 ms each). On PostgreSQL each connection is opened with {@code
     * SET statement_timeout} to the query timeout, in place of a timeout on each statement. {@link #close()} closes the
     * pool. For other pool settings, pass your own pool to {@link #builder(DataSource)}. The URL's password never
     * appears in a message or in {@code toString}.
     *
     * @param jdbcUrl a JDBC URL with its credentials, such as {@code jdbc:postgresql://db/app?user=app}
     * @return a builder
     * @throws NullPointerException if {@code jdbcUrl} is null
     * @throws IllegalArgumentException if {@code jdbcUrl} does not start with {@code jdbc:}
     */
    public static Builder builderForUrl(String jdbcUrl) {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:")) {
            throw new IllegalArgumentException("jdbcUrl must start with jdbc:, was " + maskPasswords(jdbcUrl));
        }
        return new Builder(null, jdbcUrl);
    }

    /**
     * Returns {@code text} with every password a JDBC URL may carry masked as {@code ***}: {@code password=} values
     * (in query strings, {@code ;}-separated properties, any case) and the password of {@code user:password@} user
     * info. Messages, logs and {@code toString} that may show a URL or a driver's message about it go through here.
     *
     * @param text a URL, or a message that may contain one
     * @return the text with passwords masked
     * @throws NullPointerException if {@code text} is null
     */
    public static String maskPasswords(String text) {
        String masked = PASSWORD_PROPERTY.matcher(text).replaceAll("$1***");
        return USER_INFO_PASSWORD.matcher(masked).replaceAll("$1***@");
    }

    /** The same failure with its message masked, when the message shows a password; otherwise {@code e} itself. */
    static SQLException masked(SQLException e) {
        String message = e.getMessage();
        if (message == null || maskPasswords(message).equals(message)) {
            return e;
        }
        SQLException copy = new SQLException(maskPasswords(message), e.getSQLState(), e.getErrorCode());
        copy.setStackTrace(e.getStackTrace());
        return copy;
    }

    /**
     * Opens (or creates) the embedded default: the SQLite file {@code file + ".db"} in WAL mode with {@code
     * synchronous=NORMAL}, and returns a store on it with the default tables, in client time. Every write is durable
     * against the death of the process (kill -9, out of memory) once the call returns; a power loss or operating
     * system crash can lose the writes of the last moments, and the file still opens. Several processes may use the
     * file at once; a writer waits up to 10 seconds for another's write. The file stays open until the store is
     * closed.
     *
     * <p>If the H2 file {@code file + ".mv.db"} of an earlier version is there, its live values (with their versions
     * and TTLs, breaker records included) and locks are copied in once, and it is renamed to {@code
     * file + ".mv.db.migrated"}. This needs the H2 driver on the class path.
     *
     * @param file the database file without its suffix, such as {@code ~/.reliability/state}
     * @return the store
     * @throws NullPointerException if {@code file} is null
     * @throws StateStoreException if the file cannot be opened or migrated; the message names the file, what went wrong
     *     and what to do, and nothing was changed
     */
    public static JdbcStateStore embedded(Path file) {
        Objects.requireNonNull(file, "file");
        Path base = file.toAbsolutePath();
        Path path = Path.of(base + ".db");
        SqliteFile db = SqliteFile.open(path);
        try {
            JdbcStateStore store =
                    builder(db).dialect(SqlDialect.SQLITE).owning(db).build();
            H2Migration.migrateOnce(Path.of(base + ".mv.db"), db, TimeSource.system());
            return store;
        } catch (StateStoreException e) {
            db.close();
            if (e instanceof EmbeddedFileException || !(e.getCause() instanceof SQLException)) {
                throw e;
            }
            throw SqliteFile.cannotOpen(path, (SQLException) e.getCause());
        } catch (RuntimeException | Error e) {
            db.close();
            throw e;
        }
    }

    /**
     * Builds a {@link JdbcStateStore}. Not thread-safe. Table names are checked as SQL identifiers in their setters,
     * before any SQL runs.
     */
    public static final class Builder {
        private final DataSource dataSource;
        private final String poolUrl;
        private SqlDialect dialect;
        private TimeMode timeMode;
        private TimeSource timeSource = TimeSource.system();
        private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
        private long maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private String valuesTable = DEFAULT_VALUES_TABLE;
        private String locksTable = DEFAULT_LOCKS_TABLE;
        private boolean createTables = true;
        private SqliteFile owned;

        /** Exactly one of the two is set: the caller's DataSource, or the URL of a pool the store owns. */
        private Builder(DataSource dataSource, String poolUrl) {
            this.dataSource = dataSource;
            this.poolUrl = poolUrl;
        }

        /**
         * Sets the SQL dialect. Default: detected from {@code DatabaseMetaData.getDatabaseProductName()}.
         *
         * @param dialect the dialect
         * @return this builder
         * @throws NullPointerException if {@code dialect} is null
         */
        public Builder dialect(SqlDialect dialect) {
            this.dialect = Objects.requireNonNull(dialect, "dialect");
            return this;
        }

        /**
         * Sets the clock that judges TTLs and locks. Default: {@link TimeMode#DATABASE} on PostgreSQL and MariaDB,
         * {@link TimeMode#CLIENT} on SQLite and H2.
         *
         * @param timeMode the time mode
         * @return this builder
         * @throws NullPointerException if {@code timeMode} is null
         */
        public Builder timeMode(TimeMode timeMode) {
            this.timeMode = Objects.requireNonNull(timeMode, "timeMode");
            return this;
        }

        /**
         * Sets the time source whose {@code instant()} is the clock in {@link TimeMode#CLIENT}. Default: {@link
         * TimeSource#system()}.
         *
         * @param timeSource the time source
         * @return this builder
         * @throws NullPointerException if {@code timeSource} is null
         */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            return this;
        }

        /**
         * Sets the values table, optionally schema-qualified. Default: {@value #DEFAULT_VALUES_TABLE}.
         *
         * @param table the table name, such as {@code "app.reliability_state"}
         * @return this builder
         * @throws NullPointerException if {@code table} is null
         * @throws IllegalArgumentException if {@code table} is not an identifier of at most 63 ASCII letters, digits
         *     and underscores (not starting with a digit), optionally qualified by one such schema name
         */
        public Builder valuesTable(String table) {
            this.valuesTable = checkIdentifier(table, "valuesTable");
            return this;
        }

        /**
         * Sets the locks table, optionally schema-qualified. Default: {@value #DEFAULT_LOCKS_TABLE}.
         *
         * @param table the table name
         * @return this builder
         * @throws NullPointerException if {@code table} is null
         * @throws IllegalArgumentException if {@code table} is not a valid identifier (see {@link
         *     #valuesTable(String)})
         */
        public Builder locksTable(String table) {
            this.locksTable = checkIdentifier(table, "locksTable");
            return this;
        }

        /**
         * Sets the timeout of every statement. JDBC counts it in whole seconds, so it is rounded up. Default: 5
         * seconds.
         *
         * @param timeout the timeout, at least 1 second after rounding up
         * @return this builder
         * @throws NullPointerException if {@code timeout} is null
         * @throws IllegalArgumentException if {@code timeout} is not positive or longer than a day
         */
        public Builder queryTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "queryTimeout");
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("queryTimeout must be in (0, PT24H], was " + timeout);
            }
            this.queryTimeout = timeout;
            return this;
        }

        /**
         * Sets the largest value accepted, in bytes as {@link StateValue#encodedSize()} counts them. Default:
         * {@value StateStore#DEFAULT_MAX_VALUE_BYTES} (1 MiB).
         *
         * @param maxValueBytes the limit, from 1 to 256 MiB
         * @return this builder
         * @throws IllegalArgumentException if {@code maxValueBytes} is out of range
         */
        public Builder maxValueBytes(long maxValueBytes) {
            if (maxValueBytes < 1 || maxValueBytes > 256L << 20) {
                throw new IllegalArgumentException("maxValueBytes must be in [1, 268435456], was " + maxValueBytes);
            }
            this.maxValueBytes = maxValueBytes;
            return this;
        }

        /**
         * Sets how many times a statement is tried when it hits a transient failure: a conflict, or a lost connection
         * (each retry on a fresh one; 1 turns both off). Default: {@value #DEFAULT_MAX_ATTEMPTS}.
         *
         * @param maxAttempts the attempts, the first included; at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code maxAttempts} is less than 1
         */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Sets whether {@link #build()} creates the tables if they are missing. Default: true.
         *
         * @param createTables whether to create the tables
         * @return this builder
         */
        public Builder createTables(boolean createTables) {
            this.createTables = createTables;
            return this;
        }

        /** Makes the store close {@code file} when it is closed. */
        Builder owning(SqliteFile file) {
            this.owned = file;
            return this;
        }

        /**
         * Detects the dialect if needed, checks the database's settings, creates missing tables and returns the
         * store.
         *
         * @return the store
         * @throws IllegalStateException if the database is not supported (the message names the supported ones), if
         *     MariaDB runs without a strict {@code sql_mode}, where values could be truncated silently, or if no
         *     driver accepts the URL given to {@link #builderForUrl(String)}
         * @throws StateStoreException if the database cannot be reached or the tables cannot be created
         */
        public JdbcStateStore build() {
            HikariDataSource pool = null;
            try {
                if (poolUrl != null) {
                    // Each attempt of an operation waits its share, so a database that is down holds a caller for
                    // about one query timeout in all, not one per attempt.
                    pool = UrlPool.open(poolUrl, queryTimeout.dividedBy(maxAttempts), queryTimeout);
                }
                DataSource source = pool != null ? pool : dataSource;
                SqlDialect resolved = dialect;
                try (Connection c = source.getConnection()) {
                    if (resolved == null) {
                        resolved = SqlDialect.fromProductName(c.getMetaData().getDatabaseProductName());
                    }
                    if (resolved == SqlDialect.MARIADB) {
                        checkStrictMode(c);
                    }
                    if (createTables) {
                        createTables(c, resolved);
                    }
                }
                return new JdbcStateStore(this, source, resolved, pool);
            } catch (SQLException e) {
                closePool(pool);
                String store = dialect == null ? "jdbc" : dialect.id();
                throw new StateStoreException(SqlErrors.classify(e), "build", store, e.getSQLState(), masked(e));
            } catch (RuntimeException e) {
                closePool(pool);
                throw e;
            }
        }

        private void checkStrictMode(Connection c) throws SQLException {
            try (Statement s = c.createStatement()) {
                s.setQueryTimeout((int) Math.max(1, queryTimeout.toSeconds()));
                try (ResultSet rs = s.executeQuery("SELECT @@SESSION.sql_mode")) {
                    rs.next();
                    String mode = rs.getString(1) == null ? "" : rs.getString(1);
                    String upper = mode.toUpperCase(Locale.ROOT);
                    if (!upper.contains("STRICT_TRANS_TABLES") && !upper.contains("STRICT_ALL_TABLES")) {
                        throw new IllegalStateException("MariaDB sql_mode must include STRICT_TRANS_TABLES or "
                                + "STRICT_ALL_TABLES, so that nothing is truncated silently; was '" + mode + "'");
                    }
                }
            }
        }

        private void createTables(Connection c, SqlDialect d) throws SQLException {
            for (String ddl : schema(d, valuesTable, locksTable)) {
                try (Statement s = c.createStatement()) {
                    s.setQueryTimeout((int) Math.max(1, queryTimeout.toSeconds()));
                    s.execute(ddl);
                }
            }
        }
    }

    /**
     * Returns the DDL statements for a dialect and table names, from the {@code schema-<dialect>.sql} resource.
     *
     * @param dialect the dialect
     * @param valuesTable the values table
     * @param locksTable the locks table
     * @return the statements, in order
     */
    static List<String> schema(SqlDialect dialect, String valuesTable, String locksTable) {
        String text;
        try (InputStream in = JdbcStateStore.class.getResourceAsStream("schema-" + dialect.id() + ".sql")) {
            if (in == null) {
                throw new IllegalStateException("missing schema resource for " + dialect.id());
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int dot = valuesTable.indexOf('.');
        // PostgreSQL's trigger: its function lives in the values table's schema, and it notifies the table's channel.
        text = text.replace(
                        "reliability_notify_change", valuesTable.substring(0, dot + 1) + "reliability_notify_change")
                .replaceAll("\\breliability_state\\b", Matcher.quoteReplacement(valuesTable))
                .replaceAll("\\breliability_lock\\b", Matcher.quoteReplacement(locksTable))
                .replace("('" + valuesTable + "')", "('" + PostgresWatch.channel(valuesTable) + "')");
        return splitStatements(text);
    }

    /** Splits a script at semicolons outside dollar-quoted bodies ({@code $tag$ ... $tag$}), which have their own. */
    static List<String> splitStatements(String script) {
        List<String> statements = new ArrayList<>();
        Matcher dollarTag = Pattern.compile("\\$[A-Za-z_]*\\$").matcher(script);
        int start = 0;
        int i = 0;
        while (i < script.length()) {
            char ch = script.charAt(i);
            if (ch == '$' && dollarTag.region(i, script.length()).lookingAt()) {
                int close = script.indexOf(dollarTag.group(), dollarTag.end());
                i = close < 0 ? script.length() : close + dollarTag.group().length();
            } else if (ch == ';') {
                addStatement(statements, script.substring(start, i));
                start = ++i;
            } else {
                i++;
            }
        }
        addStatement(statements, script.substring(start));
        return statements;
    }

    private static void addStatement(List<String> statements, String statement) {
        if (!statement.isBlank()) {
            statements.add(statement.strip());
        }
    }

    static String checkIdentifier(String name, String parameter) {
        Objects.requireNonNull(name, parameter);
        if (!IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException(parameter + " must be an SQL identifier of 1 to 63 ASCII letters, digits"
                    + " and underscores, optionally schema-qualified, was \"" + name + "\"");
        }
        return name;
    }

    // ------------------------------------------------------------------ accessors

    /**
     * Returns the SQL dialect in use.
     *
     * @return the dialect
     */
    public SqlDialect dialect() {
        return dialect;
    }

    /**
     * Returns the time mode in use.
     *
     * @return the time mode
     */
    public TimeMode timeMode() {
        return timeMode;
    }

    @Override
    public String toString() {
        return "JdbcStateStore[" + dialect.id() + ", " + valuesTable + ", " + locksTable + ", " + timeMode + "]";
    }

    // ------------------------------------------------------------------ execution

    /** The work of one operation on one connection. */
    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs one operation on a fresh connection, retrying transient failures a bounded number of times.
     *
     * @param operation the operation's name, for errors
     * @param idempotent whether running it twice is harmless, so that it may run again after a lost connection
     */
    private <T> T execute(String operation, boolean idempotent, Work<T> work) {
        return execute(operation, work, idempotent ? work : null);
    }

    /**
     * Runs one operation on a fresh connection. A conflict (serialization failure, deadlock) rolled the statement back,
     * so the work runs again, up to {@link Builder#maxAttempts(int)} times in all; H2's {@code MERGE} race, up to
     * {@value #H2_MERGE_RACE_ATTEMPTS} times. A lost
     * connection is one broken connection, not yet an outage: the operation gets another connection while it has
     * attempts left, on which it runs {@code afterLostConnection}, since the lost statement may or may not have been
     * applied.
     *
     * @param operation the operation's name, for errors
     * @param afterLostConnection what settles the operation on a fresh connection after its connection was lost: the
     *     work itself for an operation that may run twice, a read-back for one that can tell whether it was applied,
     *     or null for one that may not run twice and cannot tell, which is then reported as failed
     */
    private <T> T execute(String operation, Work<T> work, Work<T> afterLostConnection) {
        checkOpen();
        Work<T> current = work;
        for (int attempt = 1; ; attempt++) {
            Connection c;
            try {
                c = dataSource.getConnection();
            } catch (SQLException e) {
                // Nothing was sent, so any operation may try again.
                if (attempt < maxAttempts && SqlErrors.isConnectionFailure(e)) {
                    continue;
                }
                throw failure(operation, e);
            }
            T result;
            try {
                result = current.run(c);
            } catch (RuntimeException | Error e) {
                // WRONG_TYPE, OVERFLOW or a size limit found inside the operation: nothing was written.
                closeQuietly(c);
                throw e;
            } catch (SQLException e) {
                closeQuietly(c);
                if (SqlErrors.isConnectionFailure(e)) {
                    if (attempt >= maxAttempts || afterLostConnection == null) {
                        throw failure(operation, e);
                    }
                    current = afterLostConnection;
                    freshConnections();
                    continue;
                }
                // H2's MERGE: a racing first insert fails instead of updating; nothing was applied. Under contention
                // (a lock taken and released by many threads) the race can recur several times in a row, while the
                // database itself is fine, so it gets more attempts than a server's conflicts.
                boolean mergeRace = dialect == SqlDialect.H2 && SqlErrors.isDuplicateKey(e);
                int attempts = mergeRace ? Math.max(maxAttempts, H2_MERGE_RACE_ATTEMPTS) : maxAttempts;
                if (attempt < attempts && (mergeRace || SqlErrors.isConflict(e))) {
                    continue;
                }
                throw failure(operation, e);
            }
            closeQuietly(c);
            return result;
        }
    }

    /**
     * After a lost connection, makes the next one fresh: the pool's idle connections were most likely lost with it (a
     * restarted server, a network cut, backends terminated together) and would fail the one retry as well. Only for the
     * pool the store owns; a caller's pool validates (or not) by its own settings.
     */
    private void freshConnections() {
        HikariPoolMXBean pool = ownPool == null ? null : ownPool.getHikariPoolMXBean();
        if (pool != null) {
            pool.softEvictConnections();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
    }

    private StateStoreException failure(String operation, SQLException e) {
        return new StateStoreException(SqlErrors.classify(e), operation, dialect.id(), e.getSQLState(), masked(e));
    }

    /** A connection that is released after the result is known: a failure to close it must not hide the result. */
    static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // The operation's outcome is already decided; a broken connection is the pool's or driver's concern.
        }
    }

    private PreparedStatement prepare(Connection c, SqlTemplate template, long ttlMillis, Object... values)
            throws SQLException {
        PreparedStatement ps = c.prepareStatement(template.sql());
        try {
            if (!sessionTimeout) {
                ps.setQueryTimeout(queryTimeoutSeconds);
            }
            template.bind(ps, timeMode, clientNow(), ttlMillis, values);
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    private int update(Connection c, SqlTemplate template, long ttlMillis, Object... values) throws SQLException {
        try (PreparedStatement ps = prepare(c, template, ttlMillis, values)) {
            return ps.executeUpdate();
        }
    }

    private long clientNow() {
        return timeMode == TimeMode.CLIENT ? timeSource.instant().toEpochMilli() : 0L;
    }

    // ------------------------------------------------------------------ rows and values

    /** A stored row; {@code now} is the time of the read, on the store's clock. */
    private record Row(String type, long num, String text, long version, Long expiresAt, long now) {
        boolean live() {
            return expiresAt == null || expiresAt > now;
        }
    }

    private Row readRow(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql.select, 0, key);
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? row(rs, 1) : null;
        }
    }

    /** Reads the row's columns from {@code rs}, starting with value_type at column {@code first}. */
    private static Row row(ResultSet rs, int first) throws SQLException {
        String type = rs.getString(first);
        long num = rs.getLong(first + 1);
        String text = rs.getString(first + 2);
        long version = rs.getLong(first + 3);
        long expires = rs.getLong(first + 4);
        Long expiresAt = rs.wasNull() ? null : expires;
        return new Row(type, num, text, version, expiresAt, rs.getLong(first + 5));
    }

    private Row readLive(Connection c, String key) throws SQLException {
        Row row = readRow(c, key);
        return row != null && row.live() ? row : null;
    }

    private StateValue decode(Row row) {
        try {
            switch (row.type) {
                case "long" -> {
                    return StateValue.of(row.num);
                }
                case "string" -> {
                    return StateValue.of(row.text == null ? "" : row.text);
                }
                default -> {
                    StateValue value = StateValue.fromJson(row.text);
                    if (!value.type().name().toLowerCase(Locale.ROOT).equals(row.type)) {
                        throw new IllegalArgumentException("type mismatch");
                    }
                    return value;
                }
            }
        } catch (RuntimeException e) {
            throw new StateStoreException(Kind.FAILED, "decode", dialect.id(), null, e);
        }
    }

    private static String typeName(StateValue value) {
        return value.type().name().toLowerCase(Locale.ROOT);
    }

    private static Object numberOf(StateValue value) {
        return value.type() == StateValue.Type.LONG ? (Object) value.asLong() : SqlTemplate.Null.BIGINT;
    }

    private static Object textOf(StateValue value) {
        return switch (value.type()) {
            case LONG -> SqlTemplate.Null.TEXT;
            case STRING -> value.asString();
            default -> value.toJson();
        };
    }

    /**
     * Reads a row and writes it back with a compare-and-set on its version (or an insert if there was none), until no
     * other writer came in between. An expired row counts as absent, and is replaced by version.
     */
    private <R> R readModifyWrite(Connection c, String key, String operation, Function<StateValue, Change<R>> modifier)
            throws SQLException {
        for (int round = 0; round < MAX_CAS_ROUNDS; round++) {
            Row row = readRow(c, key);
            Row live = row != null && row.live() ? row : null;
            Change<R> change = modifier.apply(live == null ? null : decode(live));
            if (change.value() == null) {
                return change.result();
            }
            StateValue value = change.value();
            Object expires = live != null && change.keepsTtl() && live.expiresAt != null
                    ? (Object) live.expiresAt
                    : SqlTemplate.Null.BIGINT;
            if (row == null) {
                try {
                    update(c, sql.insertRow, 0, key, typeName(value), numberOf(value), textOf(value), expires);
                    return change.result();
                } catch (SQLException e) {
                    if (!SqlErrors.isDuplicateKey(e)) {
                        throw e;
                    }
                    continue; // another writer created the key first
                }
            }
            int n = update(
                    c,
                    sql.updateByVersion,
                    0,
                    typeName(value),
                    numberOf(value),
                    textOf(value),
                    expires,
                    key,
                    row.version);
            if (n == 1) {
                return change.result();
            }
        }
        throw new StateStoreException(Kind.CONFLICT, operation, dialect.id(), null, null);
    }

    // ------------------------------------------------------------------ accessors and fast paths

    @Override
    protected <R> R update(String key, String operation, Function<StateValue, Change<R>> change) {
        return execute(operation, false, c -> readModifyWrite(c, key, operation, change));
    }

    @Override
    protected Optional<VersionedValue> read(String key, String operation) {
        return execute(operation, true, c -> {
            Row row = readLive(c, key);
            return row == null ? Optional.empty() : Optional.of(new VersionedValue(decode(row), row.version));
        });
    }

    @Override
    protected void write(String key, StateValue value, long ttlMillis) {
        SqlTemplate statement = ttlMillis == 0 ? sql.setForever : sql.setExpiring;
        execute(
                "set",
                true,
                c -> update(c, statement, ttlMillis, key, typeName(value), numberOf(value), textOf(value)));
    }

    @Override
    protected boolean remove(String key) {
        return execute("delete", false, c -> update(c, sql.deleteLive, 0, key) > 0);
    }

    private List<String> matchingKeys(Connection c, Predicate<String> pattern, Object[] prefix) throws SQLException {
        List<String> result = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql.keys, 0, prefix);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String key = rs.getString(1);
                if (pattern.test(key)) {
                    result.add(key);
                }
            }
        }
        result.sort(null);
        return result;
    }

    @Override
    protected List<String> liveKeys(Predicate<String> matcher, String prefix) {
        Object[] narrowed = sql.prefixArguments(prefix);
        return execute("keys", true, c -> matchingKeys(c, matcher, narrowed));
    }

    /** On one connection, and purges the matching expired rows while at it. */
    @Override
    protected long removeMatching(Predicate<String> matcher, String prefix) {
        Object[] narrowed = sql.prefixArguments(prefix);
        return execute("clear", false, c -> {
            long removed = 0;
            for (String key : matchingKeys(c, matcher, narrowed)) {
                removed += update(c, sql.deleteLive, 0, key);
            }
            update(c, sql.purgeExpired, 0, narrowed);
            return removed;
        });
    }

    /** One upsert statement while the value is a long; otherwise (a numeric string, a wrong type) the base's rules. */
    @Override
    protected long add(String key, long delta) {
        Long added = execute("increment", false, c -> {
            try (PreparedStatement ps = prepare(c, sql.increment, 0, key, delta);
                    ResultSet rs = ps.executeQuery()) {
                return rs.next() && "long".equals(rs.getString(1)) ? rs.getLong(2) : null;
            }
        });
        // Not a long (or a racing writer changed its type): nothing was written; decide in Java, write by version.
        return added != null ? added : super.add(key, delta);
    }

    /** One statement where the dialect has one and the value is a string or absent; otherwise the base's rules. */
    @Override
    protected long appendText(String key, String text, String separator) {
        if (sql.append == null) {
            return super.appendText(key, text, separator);
        }
        long textLength = text.codePointCount(0, text.length());
        Object[] values = sql.appendValues(
                key,
                text,
                separator,
                StateValue.of(text).encodedSize() + StateValue.of(separator).encodedSize(),
                maxValueBytes(),
                textLength,
                separator.codePointCount(0, separator.length()) + textLength);
        Long appended = execute("append", false, c -> {
            try (PreparedStatement ps = prepare(c, sql.append, 0, values);
                    ResultSet rs = ps.executeQuery()) {
                if (rs.next() && "string".equals(rs.getString(1))) {
                    if (sql.appendReturnsText()) {
                        String result = rs.getString(2);
                        return (long) result.codePointCount(0, result.length());
                    }
                    long length = rs.getLong(2);
                    if (!rs.wasNull()) {
                        return length;
                    }
                }
                return null;
            }
        });
        return appended != null ? appended : super.appendText(key, text, separator);
    }

    @Override
    protected Optional<Duration> remainingTtl(String key) {
        return execute("getTtl", true, c -> {
            Row row = readLive(c, key);
            if (row == null || row.expiresAt == null) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofMillis(row.expiresAt - row.now));
        });
    }

    @Override
    protected boolean expire(String key, long ttlMillis) {
        return execute("setTtl", true, c -> update(c, sql.setTtl, ttlMillis, key) > 0);
    }

    @Override
    protected boolean lockAcquire(String name, String owner, long ttlMillis) {
        return execute("tryLock", false, c -> {
            if (sql.lockAcquire != null) {
                return update(c, sql.lockAcquire, ttlMillis, name, owner) == 1;
            }
            try {
                update(c, sql.lockInsert, ttlMillis, name, owner);
                return true;
            } catch (SQLException e) {
                if (!SqlErrors.isDuplicateKey(e)) {
                    throw e;
                }
            }
            return update(c, sql.lockTakeOver, ttlMillis, owner, name) == 1;
        });
    }

    @Override
    protected boolean lockExtend(String name, String owner, long ttlMillis) {
        return execute("extendLock", false, c -> update(c, sql.lockExtend, ttlMillis, name, owner) == 1);
    }

    @Override
    protected boolean lockRelease(String name, String owner) {
        return execute("unlock", false, c -> update(c, sql.lockRelease, 0, name, owner) == 1);
    }

    @Override
    protected boolean writeIfVersion(String key, long expectedVersion, StateValue value) {
        String type = typeName(value);
        Object num = numberOf(value);
        Object text = textOf(value);
        Work<Boolean> write = c -> {
            if (expectedVersion > 0) {
                return update(c, sql.compareAndSetVersion, 0, type, num, text, key, expectedVersion) == 1;
            }
            Row row = readRow(c, key);
            if (row == null) {
                try {
                    update(c, sql.insertRow, 0, key, type, num, text, SqlTemplate.Null.BIGINT);
                    return true;
                } catch (SQLException e) {
                    if (SqlErrors.isDuplicateKey(e)) {
                        return false;
                    }
                    throw e;
                }
            }
            if (row.live()) {
                return false;
            }
            // An expired record counts as absent: replace it, unless another writer got there first.
            return update(c, sql.updateByVersion, 0, type, num, text, SqlTemplate.Null.BIGINT, key, row.version) == 1;
        };
        // A lost connection leaves the write's outcome unknown. Our value at the next version means it was applied;
        // otherwise the write runs again, and its version condition keeps it from applying on top of a lost write
        // that did apply after all.
        return execute("compareAndSetVersion", write, c -> {
            Row row = readLive(c, key);
            boolean ours = row != null
                    && row.expiresAt == null
                    && (expectedVersion == 0 || row.version == expectedVersion + 1)
                    && decode(row).equals(value);
            return ours || write.run(c);
        });
    }

    /**
     * Reads the keys with one statement per {@value DialectSql#MAX_BATCH} keys ({@code WHERE state_key IN (...)}), all
     * on one connection, and judges expiry as {@link #getVersioned(String)} does, by the clock of the time mode.
     */
    @Override
    protected Map<String, VersionedValue> readAll(List<String> distinct) {
        return execute("getAllVersioned", true, c -> {
            Map<String, VersionedValue> found = new HashMap<>();
            for (int from = 0; from < distinct.size(); from += DialectSql.MAX_BATCH) {
                List<String> chunk = distinct.subList(from, Math.min(distinct.size(), from + DialectSql.MAX_BATCH));
                Object[] bound = new Object[DialectSql.selectManySize(chunk.size())];
                for (int i = 0; i < bound.length; i++) {
                    bound[i] = chunk.get(Math.min(i, chunk.size() - 1));
                }
                try (PreparedStatement ps = prepare(c, sql.selectMany(chunk.size()), 0, bound);
                        ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Row row = row(rs, 2);
                        if (row.live()) {
                            found.put(rs.getString(1), new VersionedValue(decode(row), row.version));
                        }
                    }
                }
            }
            return found;
        });
    }

    /**
     * Watches keys on PostgreSQL, where a trigger on the values table notifies every write (see the class
     * documentation); returns empty on H2 and MariaDB, whose callers poll, and on PostgreSQL when the PostgreSQL JDBC
     * driver's {@code PGConnection} is not available or the table has no notify trigger (created by an older version
     * of this store, with {@link Builder#createTables(boolean)} off). Each watch holds one connection of the
     * DataSource until it is closed; closing the store closes its watches.
     *
     * @param keyPrefix the prefix of the keys to watch, possibly empty
     * @param listener told of changes, on the watch's thread
     * @return the running watch, or empty where the store cannot push changes
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the store is closed
     * @throws StateStoreException if no connection could be opened or the {@code LISTEN} failed
     */
    @Override
    public Optional<Watch> watch(String keyPrefix, ChangeListener listener) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        Objects.requireNonNull(listener, "listener");
        checkOpen();
        if (dialect != SqlDialect.POSTGRESQL) {
            return Optional.empty();
        }
        PostgresWatch watch;
        try {
            watch = PostgresWatch.start(
                    dataSource, valuesTable, keyPrefix, listener, queryTimeoutSeconds, watches::remove);
        } catch (SQLException e) {
            throw failure("watch", e);
        } catch (LinkageError noPgDriver) {
            return Optional.empty();
        }
        if (watch == null) {
            return Optional.empty();
        }
        watches.add(watch);
        if (closed) {
            watch.close(); // the store closed while the watch started
            checkOpen();
        }
        return Optional.of(watch);
    }

    /**
     * Marks the store closed, closes its watches, and closes what the store opened itself: the embedded database, or
     * the pool of {@link #builderForUrl(String)}. A DataSource given to {@link #builder(DataSource)} stays open.
     */
    @Override
    public void close() {
        closed = true;
        for (PostgresWatch watch : watches) {
            watch.close();
        }
        closePool(ownPool);
        if (owned != null) {
            owned.close();
        }
    }

    private static void closePool(HikariDataSource pool) {
        if (pool != null) {
            pool.close();
        }
    }
}
