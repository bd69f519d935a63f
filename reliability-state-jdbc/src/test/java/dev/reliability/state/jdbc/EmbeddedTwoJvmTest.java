package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.state.StateValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded H2 file is opened with AUTO_SERVER=TRUE, so a second JVM can use it while this one holds it open. */
class EmbeddedTwoJvmTest {
    @Test
    void aSecondJvmSharesTheEmbeddedFileWhileTheFirstHoldsItOpen(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("state");
        try (JdbcStateStore first = JdbcStateStore.embedded(file)) {
            first.set("runs", StateValue.of(10L));

            Path log = dir.resolve("child.log");
            String java =
                    Paths.get(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            EmbeddedChild.class.getName(),
                            file.toString(),
                            "runs")
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).as(() -> readLog(log)).isZero();

            assertThat(first.get("runs")).contains(StateValue.of(11L));
            assertThat(first.increment("runs", 1)).isEqualTo(12);
        }
    }

    private static String readLog(Path log) {
        try {
            return "the second JVM failed:\n" + Files.readString(log);
        } catch (java.io.IOException e) {
            return "the second JVM failed, and its log is unreadable: " + e;
        }
    }
}
