package dev.reliability.state.jdbc;

import dev.reliability.TimeSource;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;

/**
 * Moves the H2 file of the earlier embedded default into the SQLite file, once. The copy and the mark that it was made
 * ({@code PRAGMA user_version}) commit in one SQLite transaction, taken before the H2 file is opened, so two processes
 * that start at once copy it once; the H2 file is renamed aside only after that commit, so a crash in between leaves
 * both files and the next run just renames.
 */
final class H2Migration {
    private static final System.Logger LOG = System.getLogger("dev.reliability");
    /** {@code PRAGMA user_version} of a file into which an H2 file was copied. */
    private static final int MIGRATED = 1;

    private H2Migration() {}

    /**
     * Copies the live rows of {@code h2File} (the store's default tables) into {@code target}, if that file exists and
     * was not copied before, then renames it to {@code <name>.migrated}.
     *
     * @param h2File the H2 file, ending in {@code .mv.db}
     * @throws EmbeddedFileException if the H2 file cannot be read; nothing was changed then
     */
    static void migrateOnce(Path h2File, SqliteFile target, TimeSource time) {
        if (!Files.exists(h2File)) {
            return;
        }
        long copied;
        try (Connection c = target.getConnection();
                Statement s = c.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            try {
                copied = alreadyMigrated(s) || !Files.exists(h2File) ? -1 : copy(h2File, c, time.millis());
                s.execute("PRAGMA user_version = " + MIGRATED);
                s.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                s.execute("ROLLBACK");
                throw e;
            }
        } catch (SQLException e) {
            String advice = e.getMessage() != null && e.getMessage().startsWith("No suitable driver")
                    ? "To copy it, run once with the H2 driver (com.h2database:h2 2.x) on the class path. To give up"
                            + " its state instead, move it aside"
                    : "If a process of the earlier version still has it open, let it finish and run again. If it is"
                            + " damaged, H2's recovery tool (org.h2.tools.Recover) may save its contents; to give up"
                            + " its state, move it aside";
            throw new EmbeddedFileException(
                    "cannot migrate the state file " + h2File + " of an earlier version (H2) into " + target.file()
                            + ": " + e.getMessage() + ". It was left as it was. " + advice + " (mv '" + h2File
                            + "' '" + h2File + ".broken') and run again.",
                    e);
        }
        Path aside = renameAside(h2File);
        if (copied >= 0) {
            LOG.log(
                    Level.INFO,
                    "migrated {0} values from the state file {1} of an earlier version (H2) into {2}; the old file is"
                            + " now {3}",
                    copied,
                    h2File,
                    target.file(),
                    aside);
        } else if (aside != null) {
            LOG.log(Level.INFO, "moved the state file {0}, migrated before, aside to {1}", h2File, aside);
        }
    }

    private static boolean alreadyMigrated(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            return rs.next() && rs.getInt(1) == MIGRATED;
        }
    }

    /** Copies the live values and locks; keys the SQLite file already has keep their value there. */
    private static long copy(Path h2File, Connection target, long now) throws SQLException {
        String base = h2File.toString().substring(0, h2File.toString().length() - ".mv.db".length());
        long copied = 0;
        try (Connection h2 = DriverManager.getConnection("jdbc:h2:file:" + base + ";IFEXISTS=TRUE")) {
            if (!hasTable(h2, JdbcStateStore.DEFAULT_VALUES_TABLE)) {
                return 0;
            }
            try (PreparedStatement read = h2.prepareStatement("SELECT state_key, value_type, num_value, text_value,"
                            + " version, expires_at_ms, updated_at_ms FROM " + JdbcStateStore.DEFAULT_VALUES_TABLE
                            + " WHERE expires_at_ms IS NULL OR expires_at_ms > ?");
                    PreparedStatement write = target.prepareStatement("INSERT INTO "
                            + JdbcStateStore.DEFAULT_VALUES_TABLE
                            + " (state_key, value_type, num_value, text_value, version, expires_at_ms, updated_at_ms)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (state_key) DO NOTHING")) {
                read.setLong(1, now);
                try (ResultSet rs = read.executeQuery()) {
                    while (rs.next()) {
                        write.setString(1, rs.getString(1));
                        write.setString(2, rs.getString(2));
                        copyLong(rs, 3, write);
                        write.setString(4, rs.getString(4));
                        copyLong(rs, 5, write);
                        copyLong(rs, 6, write);
                        copyLong(rs, 7, write);
                        copied += write.executeUpdate();
                    }
                }
            }
            if (hasTable(h2, JdbcStateStore.DEFAULT_LOCKS_TABLE)) {
                try (PreparedStatement read = h2.prepareStatement("SELECT lock_name, owner, expires_at_ms FROM "
                                + JdbcStateStore.DEFAULT_LOCKS_TABLE + " WHERE expires_at_ms > ?");
                        PreparedStatement write = target.prepareStatement(
                                "INSERT INTO "
                                        + JdbcStateStore.DEFAULT_LOCKS_TABLE
                                        + " (lock_name, owner, expires_at_ms) VALUES (?, ?, ?) ON CONFLICT (lock_name) DO NOTHING")) {
                    read.setLong(1, now);
                    try (ResultSet rs = read.executeQuery()) {
                        while (rs.next()) {
                            write.setString(1, rs.getString(1));
                            write.setString(2, rs.getString(2));
                            write.setLong(3, rs.getLong(3));
                            write.executeUpdate();
                        }
                    }
                }
            }
        }
        return copied;
    }

    private static boolean hasTable(Connection h2, String table) throws SQLException {
        // H2 folds unquoted names to upper case.
        try (ResultSet rs = h2.getMetaData().getTables(null, null, table.toUpperCase(java.util.Locale.ROOT), null)) {
            return rs.next();
        }
    }

    private static void copyLong(ResultSet from, int column, PreparedStatement to) throws SQLException {
        long value = from.getLong(column);
        if (from.wasNull()) {
            to.setNull(column, Types.BIGINT);
        } else {
            to.setLong(column, value);
        }
    }

    /** Renames the file to {@code <name>.migrated} (or {@code .migrated.2}, ...); null if it was gone already. */
    private static Path renameAside(Path h2File) {
        for (int n = 1; ; n++) {
            Path aside = Path.of(h2File + ".migrated" + (n == 1 ? "" : "." + n));
            try {
                return Files.move(h2File, aside);
            } catch (FileAlreadyExistsException taken) {
                // the next suffix, then
            } catch (NoSuchFileException gone) {
                return null; // another process renamed it first
            } catch (IOException e) {
                throw new EmbeddedFileException(
                        "migrated the state file " + h2File + " of an earlier version (H2), but cannot rename it to "
                                + aside + ": " + e + ". Rename or delete it yourself; it is not read again.",
                        e);
            }
        }
    }
}
