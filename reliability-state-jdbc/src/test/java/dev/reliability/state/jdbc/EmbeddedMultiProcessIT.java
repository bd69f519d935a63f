package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.state.StateValue;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several processes on one embedded file (two CLI runs at once, or a CLI run beside a service): SQLite's WAL mode lets
 * them share it, and a writer waits for another's write lock up to the busy timeout, so every increment counts.
 */
class EmbeddedMultiProcessIT {
    private static final int EACH = 1_000;

    @TempDir
    Path dir;

    @Test
    void twoChildJvmsAndThisOneIncrementingOneKeyAtOnceKeepAnExactCount() throws Exception {
        Path file = dir.resolve("state");
        try (JdbcStateStore service = JdbcStateStore.embedded(file)) {
            service.set(CrashChild.COUNTER, StateValue.of(0L));
            ChildJvm first = ChildJvm.start(
                    dir.resolve("child1.out"), List.of(), "add", file.toString(), Integer.toString(EACH));
            ChildJvm second = ChildJvm.start(
                    dir.resolve("child2.out"), List.of(), "add", file.toString(), Integer.toString(EACH));
            for (int i = 0; i < EACH; i++) {
                service.increment(CrashChild.COUNTER, 1);
            }
            assertThat(first.awaitExit()).containsExactly("done");
            assertThat(second.awaitExit()).containsExactly("done");

            assertThat(service.get(CrashChild.COUNTER)).contains(StateValue.of(3L * EACH));
        }
    }
}
