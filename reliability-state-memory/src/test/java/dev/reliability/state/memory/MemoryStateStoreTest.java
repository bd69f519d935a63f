package dev.reliability.state.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.state.StateStore;
import dev.reliability.state.StateValue;
import dev.reliability.testing.ManualTimeSource;
import dev.reliability.testing.StateStoreContractTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MemoryStateStoreTest extends StateStoreContractTest {

    @Override
    protected StateStore createStore(ManualTimeSource time) {
        return MemoryStateStore.builder().timeSource(time).build();
    }

    @Test
    void aWallClockStepDoesNotExpireAnything() {
        store.set("k", StateValue.of(1L), Duration.ofSeconds(10));
        time.stepWallClock(Duration.ofMinutes(10));
        assertThat(store.get("k")).contains(StateValue.of(1L));
        time.stepWallClock(Duration.ofMinutes(-20));
        time.advance(Duration.ofSeconds(10));
        assertThat(store.get("k")).isEmpty();
    }

    @Test
    void aMaximumSizeBoundsTheKeys() {
        try (MemoryStateStore bounded =
                MemoryStateStore.builder().timeSource(time).maximumSize(10).build()) {
            for (int i = 0; i < 100; i++) {
                bounded.set("k" + i, StateValue.of(i));
            }
            assertThat(bounded.keys("*").size()).isLessThanOrEqualTo(10);
        }
    }

    @Test
    void aSmallerValueLimitIsEnforced() {
        try (MemoryStateStore small =
                MemoryStateStore.builder().timeSource(time).maxValueBytes(4).build()) {
            small.set("k", StateValue.of("abcd"));
            assertThatThrownBy(() -> small.set("k", StateValue.of("abcde")))
                    .hasMessage("value must be at most 4 bytes, was 5");
            assertThat(small.get("k")).contains(StateValue.of("abcd"));
        }
    }

    @Test
    void theBuilderChecksItsArguments() {
        assertThatThrownBy(() -> MemoryStateStore.builder().maximumSize(0))
                .hasMessage("maximumSize must be >= 1, was 0");
        assertThatThrownBy(() -> MemoryStateStore.builder().maxValueBytes(0))
                .hasMessage("maxValueBytes must be >= 1, was 0");
        assertThatThrownBy(() -> MemoryStateStore.builder().timeSource(null)).isInstanceOf(NullPointerException.class);
        try (MemoryStateStore defaults = MemoryStateStore.ofDefaults()) {
            defaults.set("k", StateValue.of(1L));
            assertThat(defaults.toString()).startsWith("MemoryStateStore[keys=");
        }
    }
}
