package dev.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.testing.ManualTimeSource;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TimeSourceTest {

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void theSystemSourceReadsRealClocks() {
        TimeSource system = TimeSource.system();

        long before = system.nanoTime();
        Instant instant = system.instant();
        long millis = system.millis();

        assertThat(system.nanoTime() - before).isNotNegative();
        assertThat(Math.abs(millis - instant.toEpochMilli())).isLessThan(60_000);
        assertThat(system).hasToString("TimeSource.system()").isSameAs(TimeSource.system());
    }

    @Test
    void theSystemSourceSleepsAtLeastTheDuration() throws InterruptedException {
        TimeSource system = TimeSource.system();
        long before = system.nanoTime();

        system.sleep(Duration.ofMillis(2));

        assertThat(system.nanoTime() - before)
                .isGreaterThanOrEqualTo(Duration.ofMillis(2).toNanos());
    }

    @Test
    void theSystemSourceReturnsAtOnceForNoWait() {
        // Thread.sleep throws for a negative time, and a wait of the magnitude here would outlast the build.
        assertThatCode(() -> TimeSource.system().sleep(Duration.ZERO)).doesNotThrowAnyException();
        assertThatCode(() -> TimeSource.system().sleep(Duration.ofDays(-3650))).doesNotThrowAnyException();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void theSystemSourceHonoursAnInterrupt() {
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> TimeSource.system().sleep(Duration.ZERO)).isInstanceOf(InterruptedException.class);
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> TimeSource.system().sleep(Duration.ofMillis(5)))
                .isInstanceOf(InterruptedException.class);
        assertThatThrownBy(() -> TimeSource.system().sleep(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void theManualSourceMovesOnlyWhenTold() throws InterruptedException {
        ManualTimeSource time = new ManualTimeSource(Instant.parse("2030-01-01T00:00:00Z"), Long.MAX_VALUE - 5);

        time.sleep(Duration.ofNanos(10));
        time.advance(Duration.ofSeconds(1));
        time.stepWallClock(Duration.ofHours(-1));

        assertThat(time.nanoTime()).isEqualTo(Long.MIN_VALUE + 4 + 1_000_000_000L);
        assertThat(time.instant()).isEqualTo(Instant.parse("2029-12-31T23:00:01.000000010Z"));
        assertThat(time.sleeps()).containsExactly(Duration.ofNanos(10));
        time.clearSleeps();
        assertThat(time.sleeps()).isEmpty();
        assertThatThrownBy(() -> time.advance(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> time.sleep(Duration.ofSeconds(1))).isInstanceOf(InterruptedException.class);
        assertThat(time.toString()).startsWith("ManualTimeSource[2029-12-31T23:00:01.000000010Z");
    }
}
