package dev.reliability.state.jdbc;

import dev.reliability.state.StateStore;
import dev.reliability.testing.ManualTimeSource;
import dev.reliability.testing.StateStoreContractTest;
import org.junit.jupiter.api.AfterAll;

/**
 * The contract suite on a server database, in client time so TTLs follow the virtual clock. Subclasses name the
 * server; each test gets fresh tables, dropped afterwards. Test classes run one after another, so one pool at a time.
 */
abstract class ServerContractTests extends StateStoreContractTest {
    private static TestPool dataSource;
    private static Tables tables;
    private String[] names;

    abstract ServerDatabase database();

    @AfterAll
    static void dropTables() {
        if (tables != null) {
            tables.dropAll();
            dataSource.close();
            tables = null;
            dataSource = null;
        }
    }

    @Override
    protected StateStore createStore(ManualTimeSource time) {
        if (dataSource == null) {
            dataSource = new TestPool(database().dataSource());
            tables = new Tables(dataSource);
        }
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
