package dev.reliability.state.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.state.StateStore;
import dev.reliability.state.StateValue;
import org.junit.jupiter.api.Test;

/** The README's state store example for this module, compiled and run. */
class ReadmeExamplesTest {
    @Test
    void memoryStoreExample() {
        StateStore memory = MemoryStateStore.builder().maximumSize(100_000).build(); // in this JVM, on Caffeine
        memory.set("k", StateValue.of(1L));
        assertThat(memory.increment("k", 1)).isEqualTo(2);
        memory.close();
    }
}
