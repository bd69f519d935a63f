package dev.reliability.state.jdbc;

import dev.reliability.TimeSource;
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
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A {@link StateStore} in a database: H2 (the embedded default, see {@link #embedded(Path)}), PostgreSQL or
 * MariaDB/MySQL. State survives restarts and is shared by every JVM that uses the same tables.
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
 * race. Every statement gets the query timeout, and values
 * are always bound as parameters.
 *
 * <p><b>Connections.</b> The store expects connections in auto-commit mode, and the default isolation level of the
 * database (read committed on PostgreSQL). A connection handed out with auto-commit off is used as it is: the store
 * neither commits nor rolls back, so its writes join the caller's transaction.
 *
 * <p><b>Failures.</b> Serialization failures and deadlocks (SQLState 40001, 40P01, MariaDB 1213), and the unique-key
 * race of H2's {@code MERGE}, are retried up to {@link Builder#maxAttempts(int)} times. A lost connection is retried
 * only for operations that may safely run twice (reads, {@code set}, {@code setTtl}), since a write whose connection
 * died may or may not have been applied. Then a {@link StateStoreException} names the operation, the dialect and the
 * SQLState, never the values.
 *
 * <p><b>Time.</b> See {@link TimeMode}: database time by default on PostgreSQL and MariaDB, the {@link TimeSource}'s
 * wall clock on H2. Times are stored as epoch milliseconds.
 *
 * <p>Thread-safe, as long as the {@code DataSource} is.
 */
public final class JdbcStateStore implements StateStore {
    /** The default values table. */
    public static final String DEFAULT_VALUES_TABLE = "reliability_state";
    /** The default locks table. */
    public static final String DEFAULT_LOCKS_TABLE = "reliability_lock";
    /** The default query timeout: 5 seconds. */
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(5);
    /** The default number of attempts for a statement that hits a transient failure: 5. */
    public static final int DEFAULT_MAX_ATTEMPTS = 5;

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
    private final long maxValueBytes;
    private final int maxAttempts;
    private final String valuesTable;
    private final String locksTable;
    private final DialectSql sql;
    private final Connection keepAlive;
    private volatile boolean closed;

    private JdbcStateStore(Builder b, SqlDialect dialect, Connection keepAlive) {
        this.dataSource = b.dataSource;
        this.dialect = dialect;
        this.timeMode =
                b.timeMode != null ? b.timeMode : dialect == SqlDialect.H2 ? TimeMode.CLIENT : TimeMode.DATABASE;
        this.timeSource = b.timeSource;
        this.queryTimeoutSeconds = (int) Math.max(1, (b.queryTimeout.toMillis() + 999) / 1000);
        this.maxValueBytes = b.maxValueBytes;
        this.maxAttempts = b.maxAttempts;
        this.valuesTable = b.valuesTable;
        this.locksTable = b.locksTable;
        this.sql = DialectSql.of(dialect, valuesTable, locksTable, timeMode);
        this.keepAlive = keepAlive;
    }

    /**
     * Returns a builder for a store on {@code dataSource}.
     *
     * @param dataSource where connections come from; the store never closes it
     * @return a builder
     * @throws NullPointerException if {@code dataSource} is null
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /**
     * Returns a builder for a store that opens connections from a JDBC URL through {@link java.sql.DriverManager},
     * without a pool: one connection per operation, as with any DataSource. The driver must be on the class path.
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
        return builder(new UrlDataSource(jdbcUrl));
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
     * Opens (or creates) an H2 database file with {@code AUTO_SERVER=TRUE}, so a second JVM can open the same file,
     * and returns a store on it with the default tables, in client time. The file stays open until the store is
     * closed.
     *
     * @param file the database file without H2's {@code .mv.db} suffix, such as {@code ~/.reliability/state}
     * @return the store
     * @throws NullPointerException if {@code file} is null
     * @throws StateStoreException if the database cannot be opened
     */
    public static JdbcStateStore embedded(Path file) {
        Objects.requireNonNull(file, "file");
        String url = "jdbc:h2:file:" + file.toAbsolutePath() + ";AUTO_SERVER=TRUE";
        return builder(new UrlDataSource(url)).dialect(SqlDialect.H2).keepOpen().build();
    }

    /**
     * Builds a {@link JdbcStateStore}. Not thread-safe. Table names are checked as SQL identifiers in their setters,
     * before any SQL runs.
     */
    public static final class Builder {
        private final DataSource dataSource;
        private SqlDialect dialect;
        private TimeMode timeMode;
        private TimeSource timeSource = TimeSource.system();
        private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
        private long maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private String valuesTable = DEFAULT_VALUES_TABLE;
        private String locksTable = DEFAULT_LOCKS_TABLE;
        private boolean createTables = true;
        private boolean keepOpen;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
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
         * {@link TimeMode#CLIENT} on H2.
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
         * Sets how many times a statement is tried when it hits a transient failure. Default: {@value
         * #DEFAULT_MAX_ATTEMPTS}.
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

        Builder keepOpen() {
            this.keepOpen = true;
            return this;
        }

        /**
         * Detects the dialect if needed, checks the database's settings, creates missing tables and returns the
         * store.
         *
         * @return the store
         * @throws IllegalStateException if the database is not supported (the message names the supported ones), or
         *     if MariaDB runs without a strict {@code sql_mode}, where values could be truncated silently
         * @throws StateStoreException if the database cannot be reached or the tables cannot be created
         */
        public JdbcStateStore build() {
            Connection keepAlive = null;
            try {
                if (keepOpen) {
                    keepAlive = dataSource.getConnection();
                }
                SqlDialect resolved = dialect;
                try (Connection c = dataSource.getConnection()) {
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
                return new JdbcStateStore(this, resolved, keepAlive);
            } catch (SQLException e) {
                closeQuietly(keepAlive);
                String store = dialect == null ? "jdbc" : dialect.id();
                throw new StateStoreException(SqlErrors.classify(e), "build", store, e.getSQLState(), masked(e));
            } catch (RuntimeException e) {
                closeQuietly(keepAlive);
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
        text = text.replaceAll("\\breliability_state\\b", Matcher.quoteReplacement(valuesTable))
                .replaceAll("\\breliability_lock\\b", Matcher.quoteReplacement(locksTable));
        List<String> statements = new ArrayList<>();
        for (String statement : text.split(";")) {
            if (!statement.isBlank()) {
                statements.add(statement.strip());
            }
        }
        return statements;
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
     * @param idempotent whether running it twice is harmless, so that a lost connection may be retried
     */
    private <T> T execute(String operation, boolean idempotent, Work<T> work) {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
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
                result = work.run(c);
            } catch (RuntimeException | Error e) {
                // WRONG_TYPE, OVERFLOW or a size limit found inside the operation: nothing was written.
                closeQuietly(c);
                throw e;
            } catch (SQLException e) {
                closeQuietly(c);
                boolean retry = SqlErrors.isConflict(e)
                        // H2's MERGE: a racing first insert fails instead of updating; nothing was applied.
                        || (dialect == SqlDialect.H2 && SqlErrors.isDuplicateKey(e))
                        || (idempotent && SqlErrors.isConnectionFailure(e));
                if (attempt < maxAttempts && retry) {
                    continue;
                }
                throw failure(operation, e);
            }
            closeQuietly(c);
            return result;
        }
    }

    private StateStoreException failure(String operation, SQLException e) {
        return new StateStoreException(SqlErrors.classify(e), operation, dialect.id(), e.getSQLState(), masked(e));
    }

    /** A connection that is released after the result is known: a failure to close it must not hide the result. */
    private static void closeQuietly(Connection c) {
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
            ps.setQueryTimeout(queryTimeoutSeconds);
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
            if (!rs.next()) {
                return null;
            }
            String type = rs.getString(1);
            long num = rs.getLong(2);
            String text = rs.getString(3);
            long version = rs.getLong(4);
            long expires = rs.getLong(5);
            Long expiresAt = rs.wasNull() ? null : expires;
            return new Row(type, num, text, version, expiresAt, rs.getLong(6));
        }
    }

    private Row readLive(Connection c, String key) throws SQLException {
        Row row = readRow(c, key);
        return row != null && row.live() ? row : null;
    }

    private StateValue decode(Row row) {
        try {
            switch (row.type) {
                case "long":
                    return StateValue.of(row.num);
                case "string":
                    return StateValue.of(row.text == null ? "" : row.text);
                default:
                    StateValue value = StateValue.fromJson(row.text);
                    if (!value.type().name().toLowerCase(Locale.ROOT).equals(row.type)) {
                        throw new IllegalArgumentException("type mismatch");
                    }
                    return value;
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
        switch (value.type()) {
            case LONG:
                return SqlTemplate.Null.TEXT;
            case STRING:
                return value.asString();
            default:
                return value.toJson();
        }
    }

    private StateStoreException wrongType(String operation) {
        return new StateStoreException(Kind.WRONG_TYPE, operation, dialect.id(), null, null);
    }

    /** The result of a read-modify-write step: the value to write (null for none) and what to return. */
    private record Change<R>(StateValue value, boolean keepTtl, R result) {}

    @FunctionalInterface
    private interface Modifier<R> {
        /** Computes the change from the live value, or null if absent; may throw to change nothing. */
        Change<R> apply(StateValue current);
    }

    /**
     * Reads a row and writes it back with a compare-and-set on its version (or an insert if there was none), until no
     * other writer came in between. An expired row counts as absent, and is replaced by version.
     */
    private <R> R readModifyWrite(Connection c, String key, String operation, Modifier<R> modifier)
            throws SQLException {
        for (int round = 0; round < MAX_CAS_ROUNDS; round++) {
            Row row = readRow(c, key);
            Row live = row != null && row.live() ? row : null;
            Change<R> change = modifier.apply(live == null ? null : decode(live));
            if (change.value == null) {
                return change.result;
            }
            StateValue value = change.value;
            Object expires = live != null && change.keepTtl && live.expiresAt != null
                    ? (Object) live.expiresAt
                    : SqlTemplate.Null.BIGINT;
            if (row == null) {
                try {
                    update(c, sql.insertRow, 0, key, typeName(value), numberOf(value), textOf(value), expires);
                    return change.result;
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
                return change.result;
            }
        }
        throw new StateStoreException(Kind.CONFLICT, operation, dialect.id(), null, null);
    }

    // ------------------------------------------------------------------ operations

    private StateValue checkValue(StateValue value) {
        return StateStore.checkValue(value, maxValueBytes);
    }

    @Override
    public Optional<StateValue> get(String key) {
        StateStore.checkKey(key, "key");
        return execute("get", true, c -> {
            Row row = readLive(c, key);
            return row == null ? Optional.empty() : Optional.of(decode(row));
        });
    }

    @Override
    public void set(String key, StateValue value) {
        StateStore.checkKey(key, "key");
        checkValue(value);
        execute("set", true, c -> update(c, sql.setForever, 0, key, typeName(value), numberOf(value), textOf(value)));
    }

    @Override
    public void set(String key, StateValue value, Duration ttl) {
        StateStore.checkKey(key, "key");
        checkValue(value);
        long ttlMillis = StateStore.checkTtl(ttl);
        execute(
                "set",
                true,
                c -> update(c, sql.setExpiring, ttlMillis, key, typeName(value), numberOf(value), textOf(value)));
    }

    @Override
    public boolean delete(String key) {
        StateStore.checkKey(key, "key");
        return execute("delete", false, c -> update(c, sql.deleteLive, 0, key) > 0);
    }

    @Override
    public boolean exists(String key) {
        StateStore.checkKey(key, "key");
        return execute("exists", true, c -> readLive(c, key) != null);
    }

    private String likePrefix(String glob) {
        String prefix = StateStore.globPrefix(glob);
        if (dialect == SqlDialect.MARIADB) {
            // MariaDB 10.11 misses rows when an index range scan serves a LIKE prefix that ends in a space
            // ('emoji %' does not find 'emoji \uD83D\uDE00'); the LIKE only narrows the search, the glob decides.
            prefix = prefix.stripTrailing();
        }
        StringBuilder like = new StringBuilder();
        for (int i = 0; i < prefix.length(); i++) {
            char ch = prefix.charAt(i);
            if (ch == '!' || ch == '%' || ch == '_') {
                like.append('!');
            }
            like.append(ch);
        }
        return like.append('%').toString();
    }

    private List<String> matchingKeys(Connection c, Predicate<String> pattern, String like) throws SQLException {
        List<String> result = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql.keys, 0, like);
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
    public List<String> keys(String glob) {
        Predicate<String> pattern = StateStore.globMatcher(glob);
        String like = likePrefix(glob);
        return execute("keys", true, c -> matchingKeys(c, pattern, like));
    }

    @Override
    public long clear(String glob) {
        Predicate<String> pattern = StateStore.globMatcher(glob);
        String like = likePrefix(glob);
        return execute("clear", false, c -> {
            long removed = 0;
            for (String key : matchingKeys(c, pattern, like)) {
                removed += update(c, sql.deleteLive, 0, key);
            }
            update(c, sql.purgeExpired, 0, like);
            return removed;
        });
    }

    @Override
    public long increment(String key, long delta) {
        StateStore.checkKey(key, "key");
        return execute("increment", false, c -> {
            try (PreparedStatement ps = prepare(c, sql.increment, 0, key, delta);
                    ResultSet rs = ps.executeQuery()) {
                if (rs.next() && "long".equals(rs.getString(1))) {
                    return rs.getLong(2);
                }
            }
            // The value is not a long (or a racing writer changed its type): decide in Java, write by version.
            return readModifyWrite(c, key, "increment", current -> {
                long base = 0;
                if (current != null) {
                    StateValue number = current.toNumber().orElseThrow(() -> wrongType("increment"));
                    if (number.type() != StateValue.Type.LONG) {
                        throw wrongType("increment");
                    }
                    base = number.asLong();
                }
                long result;
                try {
                    result = Math.addExact(base, delta);
                } catch (ArithmeticException overflow) {
                    throw new StateStoreException(Kind.OVERFLOW, "increment", dialect.id(), null, overflow);
                }
                return new Change<>(StateValue.of(result), true, result);
            });
        });
    }

    @Override
    public double increment(String key, double delta) {
        StateStore.checkKey(key, "key");
        if (!Double.isFinite(delta)) {
            throw new IllegalArgumentException("delta must be a finite number, was " + delta);
        }
        return execute(
                "increment",
                false,
                c -> readModifyWrite(c, key, "increment", current -> {
                    double base = current == null
                            ? 0
                            : current.toNumber()
                                    .orElseThrow(() -> wrongType("increment"))
                                    .asDouble();
                    double result = base + delta;
                    if (!Double.isFinite(result)) {
                        throw new StateStoreException(Kind.OVERFLOW, "increment", dialect.id(), null, null);
                    }
                    return new Change<>(StateValue.of(result), true, result);
                }));
    }

    @Override
    public long append(String key, String text, String separator) {
        StateStore.checkKey(key, "key");
        long textBytes = StateValue.of(text).encodedSize();
        long addedBytes = textBytes + StateValue.of(separator).encodedSize();
        if (textBytes > maxValueBytes) {
            throw new IllegalArgumentException("value must be at most " + maxValueBytes + " bytes, was " + textBytes);
        }
        Object[] values = sql.appendValues(
                key,
                text,
                separator,
                addedBytes,
                maxValueBytes,
                text.codePointCount(0, text.length()),
                (long) separator.codePointCount(0, separator.length()) + text.codePointCount(0, text.length()));
        return execute("append", false, c -> {
            if (sql.append != null) {
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
                }
            }
            return readModifyWrite(c, key, "append", current -> {
                String result;
                if (current == null) {
                    result = text;
                } else if (current.type() != StateValue.Type.STRING) {
                    throw wrongType("append");
                } else {
                    result = current.asString() + separator + text;
                }
                StateValue value = checkValue(StateValue.of(result));
                return new Change<>(value, true, (long) result.codePointCount(0, result.length()));
            });
        });
    }

    @Override
    public boolean compareAndSet(String key, Optional<StateValue> expected, StateValue newValue) {
        StateStore.checkKey(key, "key");
        Objects.requireNonNull(expected, "expected");
        checkValue(newValue);
        return execute(
                "compareAndSet",
                false,
                c -> readModifyWrite(c, key, "compareAndSet", current -> {
                    if (!Optional.ofNullable(current).equals(expected)) {
                        return new Change<>(null, false, false);
                    }
                    return new Change<>(newValue, false, true);
                }));
    }

    @Override
    public Optional<Duration> getTtl(String key) {
        StateStore.checkKey(key, "key");
        return execute("getTtl", true, c -> {
            Row row = readLive(c, key);
            if (row == null || row.expiresAt == null) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofMillis(row.expiresAt - row.now));
        });
    }

    @Override
    public boolean setTtl(String key, Duration ttl) {
        StateStore.checkKey(key, "key");
        long ttlMillis = StateStore.checkTtl(ttl);
        return execute("setTtl", true, c -> update(c, sql.setTtl, ttlMillis, key) > 0);
    }

    private List<StateValue> listOf(StateValue current, String operation) {
        if (current == null) {
            return new ArrayList<>();
        }
        if (current.type() != StateValue.Type.LIST) {
            throw wrongType(operation);
        }
        return new ArrayList<>(current.asList());
    }

    @Override
    public long listPush(String key, StateValue value) {
        StateStore.checkKey(key, "key");
        Objects.requireNonNull(value, "value");
        return execute(
                "listPush",
                false,
                c -> readModifyWrite(c, key, "listPush", current -> {
                    List<StateValue> list = listOf(current, "listPush");
                    list.add(value);
                    return new Change<>(checkValue(StateValue.ofList(list)), true, (long) list.size());
                }));
    }

    @Override
    public Optional<StateValue> listPop(String key) {
        StateStore.checkKey(key, "key");
        return execute(
                "listPop",
                false,
                c -> readModifyWrite(c, key, "listPop", current -> {
                    List<StateValue> list = listOf(current, "listPop");
                    if (list.isEmpty()) {
                        return new Change<>(null, false, Optional.<StateValue>empty());
                    }
                    StateValue last = list.remove(list.size() - 1);
                    return new Change<>(StateValue.ofList(list), true, Optional.of(last));
                }));
    }

    @Override
    public long listLength(String key) {
        StateStore.checkKey(key, "key");
        return execute("listLength", true, c -> {
            Row row = readLive(c, key);
            return (long) listOf(row == null ? null : decode(row), "listLength").size();
        });
    }

    private static void checkLock(String name, String owner) {
        StateStore.checkKey(name, "name");
        StateStore.checkKey(owner, "owner");
    }

    @Override
    public boolean tryLock(String name, String owner, Duration ttl) {
        checkLock(name, owner);
        long ttlMillis = StateStore.checkTtl(ttl);
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
    public boolean extendLock(String name, String owner, Duration ttl) {
        checkLock(name, owner);
        long ttlMillis = StateStore.checkTtl(ttl);
        return execute("extendLock", false, c -> update(c, sql.lockExtend, ttlMillis, name, owner) == 1);
    }

    @Override
    public boolean unlock(String name, String owner) {
        checkLock(name, owner);
        return execute("unlock", false, c -> update(c, sql.lockRelease, 0, name, owner) == 1);
    }

    @Override
    public Optional<VersionedValue> getVersioned(String key) {
        StateStore.checkKey(key, "key");
        return execute("getVersioned", true, c -> {
            Row row = readLive(c, key);
            return row == null ? Optional.empty() : Optional.of(new VersionedValue(decode(row), row.version));
        });
    }

    @Override
    public boolean compareAndSetVersion(String key, long expectedVersion, StateValue value) {
        StateStore.checkKey(key, "key");
        if (expectedVersion < 0) {
            throw new IllegalArgumentException("expectedVersion must be >= 0, was " + expectedVersion);
        }
        checkValue(value);
        String type = typeName(value);
        Object num = numberOf(value);
        Object text = textOf(value);
        return execute("compareAndSetVersion", false, c -> {
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
        });
    }

    /** Marks the store closed (and closes the embedded database, if the store opened it); the DataSource stays open. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(keepAlive);
    }
}
