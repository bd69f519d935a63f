package dev.reliability.state.jdbc;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Breaker restarts on PostgreSQL. */
class PostgresBreakerRestartIT extends BreakerRestartTests {
    private static TestPool pool;
    private static Tables tables;
    private static String[] names;

    @BeforeAll
    static void connect() {
        pool = new TestPool(ServerDatabase.POSTGRESQL.dataSource());
        tables = new Tables(pool);
        names = tables.next();
    }

    @AfterAll
    static void dropTables() {
        if (tables != null) {
            tables.dropAll();
            pool.close();
        }
    }

    @Override
    String[] storeArgs() {
        return new String[] {"url", ServerDatabase.POSTGRESQL.url(), names[0], names[1]};
    }
}
