package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.TimeSource;
import dev.reliability.circuitbreaker.CallNotPermittedException;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.registry.Registry;
import dev.reliability.state.StateValue;
import dev.reliability.state.VersionedValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded default loses no acknowledged write when its process dies: a child JVM writes, prints what the store
 * acknowledged, and is killed with SIGKILL ({@code destroyForcibly} on Linux) or runs out of heap; then this JVM opens
 * the file and finds every acknowledged write, and nothing beyond the last one attempted.
 */
class EmbeddedCrashIT {
    private static final int ROUNDS = 10;

    @TempDir
    Path dir;

    @Test
    void killedAtRandomMomentsItKeepsEveryAcknowledgedIncrementAndNothingMore() throws Exception {
        Path file = dir.resolve("state");
        SplittableRandom random = new SplittableRandom(20261129);
        TimeSource time = TimeSource.system();
        long stored = 0;
        for (int round = 1; round <= ROUNDS; round++) {
            ChildJvm child = ChildJvm.start(dir.resolve("round" + round + ".out"), List.of(), "count", file.toString());
            child.awaitLines(1);
            time.sleep(Duration.ofMillis(random.nextInt(300)));
            List<String> printed = child.kill();
            long acknowledged = Long.parseLong(printed.get(printed.size() - 1));

            try (JdbcStateStore store = JdbcStateStore.embedded(file)) {
                long before = stored;
                stored = store.get(CrashChild.COUNTER).orElseThrow().asLong();
                // One writer adding 1 at a time: the last value printed is there, or the one write after it, which
                // the store may have committed before the kill stopped the print.
                assertThat(stored)
                        .as("round %d: printed %d values, up to %d", round, printed.size(), acknowledged)
                        .isBetween(acknowledged, acknowledged + 1);
                assertThat(Long.parseLong(printed.get(0))).isEqualTo(before + 1);
            }
        }
    }

    @Test
    void aBreakerOpenedJustBeforeTheKillIsOpenAfterTheRestartForItsRemainingTime() throws Exception {
        Path file = dir.resolve("state");
        TimeSource time = TimeSource.system();
        ChildJvm child = ChildJvm.start(dir.resolve("child2.out"), List.of(), "breaker", file.toString());
        long startedAt = time.millis();
        assertThat(child.awaitLines(1)).containsExactly("open");
        long openSeenAt = time.millis();
        // Breaker writes may go through a background worker with a short flush delay, so the kill waits until the
        // breaker's record is in the file, read by this JVM as a second process on it; then it kills at once.
        try (JdbcStateStore watcher = JdbcStateStore.embedded(file)) {
            while (!recordedOpen(watcher.getVersioned("reliability:breaker:" + CrashChild.BREAKER))) {
                time.sleep(Duration.ofMillis(2));
            }
        }
        child.kill();

        try (JdbcStateStore store = JdbcStateStore.embedded(file);
                Registry registry = Registry.builder().stateStore(store).build()) {
            CircuitBreaker breaker = registry.circuitBreaker(CrashChild.BREAKER, CrashChild.breakerConfig());
            assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
            long askedAt = time.millis();
            Duration retryAfter = null;
            try {
                breaker.run(() -> {});
            } catch (CallNotPermittedException rejected) {
                retryAfter = rejected.retryAfter();
            }
            long answeredAt = time.millis();
            // It opened between the child's start and its "open", and was asked between askedAt and answeredAt.
            assertThat(retryAfter)
                    .as("the restored breaker rejects the call")
                    .isNotNull()
                    .isLessThanOrEqualTo(CrashChild.OPEN.minusMillis(askedAt - openSeenAt - 5))
                    .isGreaterThanOrEqualTo(CrashChild.OPEN.minusMillis(answeredAt - startedAt + 5));
        }
    }

    private static boolean recordedOpen(Optional<VersionedValue> record) {
        return record.map(r -> r.value().asMap().get("state"))
                .map(state -> state.asString().equalsIgnoreCase("open"))
                .orElse(false);
    }

    @Test
    void aRunThatExhaustsTheHeapWhileWritingLeavesAFileThatOpensWithEveryAcknowledgedWrite() throws Exception {
        Path file = dir.resolve("state");
        ChildJvm child = ChildJvm.start(dir.resolve("child3.out"), List.of("-Xmx32m"), "heap", file.toString());
        List<String> printed = child.awaitExit();
        assertThat(child.exitValue()).as("the child ran out of heap").isNotZero();
        assertThat(printed).hasSizeGreaterThan(10);

        try (JdbcStateStore store = JdbcStateStore.embedded(file)) {
            for (String line : printed) {
                int i = Integer.parseInt(line);
                assertThat(store.get("k" + i)).as("k%d", i).contains(StateValue.of(CrashChild.value(i)));
            }
            int next = printed.size();
            assertThat(store.keys("k*")).hasSizeBetween(next, next + 1);
        }
    }
}
