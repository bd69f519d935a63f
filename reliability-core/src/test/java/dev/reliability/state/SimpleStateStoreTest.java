package dev.reliability.state;

import dev.reliability.testing.ManualTimeSource;
import dev.reliability.testing.StateStoreContractTest;

/** Runs the contract suite against {@link SimpleStateStore}, checking the suite and the SPI's shared code. */
class SimpleStateStoreTest extends StateStoreContractTest {
    @Override
    protected StateStore createStore(ManualTimeSource time) {
        return new SimpleStateStore(time);
    }
}
