package dev.reliability.state.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/** Unique table names for one test class, dropped at the end. */
final class Tables {
    private final DataSource dataSource;
    private final String prefix;
    private final List<String> created = new ArrayList<>();
    private int counter;

    Tables(DataSource dataSource) {
        this.dataSource = dataSource;
        this.prefix = "rt_"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16)
                        .toLowerCase(Locale.ROOT);
    }

    /** Returns a fresh pair of table names: values, locks. */
    synchronized String[] next() {
        int n = counter++;
        String values = prefix + "_v" + n;
        String locks = prefix + "_l" + n;
        created.add(values);
        created.add(locks);
        return new String[] {values, locks};
    }

    synchronized void drop(String... tables) {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            for (String table : tables) {
                s.execute("DROP TABLE IF EXISTS " + table);
                created.remove(table);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop test tables", e);
        }
    }

    synchronized void dropAll() {
        drop(created.toArray(new String[0]));
    }
}
