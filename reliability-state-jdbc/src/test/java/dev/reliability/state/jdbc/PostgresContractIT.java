package dev.reliability.state.jdbc;

import dev.reliability.state.StateStore;
import dev.reliability.testing.ManualTimeSource;
import dev.reliability.testing.StateStoreContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract suite on Postgres, in client time so TTLs follow the virtual clock. */
class PostgresContractIT extends StateStoreContractTest {
    private static TestPool dataSource;
    private static Tables tables;
    private String[] names;

    @BeforeAll
    static void connect() {
        dataSource = new TestPool(ServerDatabase.POSTGRESQL.dataSource());
        tables = new Tables(dataSource);
    }

    @AfterAll
    static void dropTables() {
        if (tables != null) {
            tables.dropAll();
            dataSource.close();
        }
    }

    @Override
    protected StateStore createStore(ManualTimeSource time) {
        names = tables.next();
        return JdbcStateStore.builder(dataSource)
                .valuesTable(names[0])
                .locksTable(names[1])
                .timeMode(TimeMode.CLIENT)
                .timeSource(time)
                .build();
    }

    @Override
    protected void disposeStore(StateStore store) {
        store.close();
        tables.drop(names);
    }
}
