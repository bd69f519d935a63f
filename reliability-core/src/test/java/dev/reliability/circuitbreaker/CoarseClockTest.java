package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.testing.ManualTimeSource;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The coarse clock's ticker stops when nobody reads the clock and restarts on the next read, driven tick by tick on a
 * manual time source: no sleeps, no ticker thread.
 */
class CoarseClockTest {
    private static final Duration TICK = Duration.ofNanos(CoarseClock.RESOLUTION_NANOS);

    private final ManualTimeSource time = new ManualTimeSource();
    private final AtomicInteger restarts = new AtomicInteger();
    private final CoarseClock clock = new CoarseClock(time, restarts::incrementAndGet);

    /** Advances the time source a resolution per tick; returns the tick that stopped the clock, or -1. */
    private int tickUnread(int ticks) {
        for (int i = 1; i <= ticks; i++) {
            time.advance(TICK);
            if (!clock.tick()) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void aClockNobodyReadsStopsAtTheSecondProbe() {
        assertThat(tickUnread(3 * CoarseClock.PROBE_EVERY)).isEqualTo(2 * CoarseClock.PROBE_EVERY);

        assertThat(clock.stopped()).isTrue();
        assertThat(clock.tick()).isFalse(); // a stray tick does not restart it
        assertThat(restarts).hasValue(0);
    }

    @Test
    void aClockReadOncePerProbeKeepsTicking() {
        for (int probe = 0; probe < 10; probe++) {
            assertThat(tickUnread(CoarseClock.PROBE_EVERY)).isEqualTo(-1);
            clock.nanoTime();
        }

        assertThat(clock.stopped()).isFalse();
        assertThat(restarts).hasValue(0);
    }

    @Test
    void betweenTicksAReadReturnsTheLastTickAndAProbedReadIsExact() {
        tickUnread(CoarseClock.PROBE_EVERY - 1);
        long ticked = time.nanoTime();
        time.advance(Duration.ofNanos(CoarseClock.RESOLUTION_NANOS / 2));
        assertThat(clock.nanoTime()).isEqualTo(ticked);

        clock.tick(); // the probe: the next read finds it and reads the time source
        time.advance(Duration.ofNanos(CoarseClock.RESOLUTION_NANOS / 2));
        long probed = clock.nanoTime();
        assertThat(probed).isEqualTo(time.nanoTime());
        time.advance(Duration.ofNanos(CoarseClock.RESOLUTION_NANOS / 2));
        assertThat(clock.nanoTime()).isEqualTo(probed); // the probe is cleared: coarse again

        assertThat(tickUnread(CoarseClock.PROBE_EVERY - 1)).isEqualTo(-1); // the cleared probe counts as read
    }

    @Test
    void aReadOfAStoppedClockIsExactAndRestartsTheTickerOnce() {
        tickUnread(2 * CoarseClock.PROBE_EVERY);
        time.advance(Duration.ofSeconds(5));

        assertThat(clock.nanoTime()).isEqualTo(time.nanoTime());
        assertThat(restarts).hasValue(1);
        time.advance(Duration.ofNanos(CoarseClock.RESOLUTION_NANOS / 4));
        assertThat(clock.nanoTime()).isEqualTo(time.nanoTime()); // restarting: still exact, no second restart
        assertThat(restarts).hasValue(1);
        assertThat(clock.stopped()).isFalse();

        assertThat(clock.tick()).isTrue(); // the restarted ticker's first tick
        long ticked = time.nanoTime();
        time.advance(Duration.ofNanos(CoarseClock.RESOLUTION_NANOS / 2));
        assertThat(clock.nanoTime()).isEqualTo(ticked);
        // and stops again, two probes after its restart
        assertThat(tickUnread(2 * CoarseClock.PROBE_EVERY)).isEqualTo(2 * CoarseClock.PROBE_EVERY - 1);
    }

    @Test
    void aCallThatSpansAStopIsTimedExactly() {
        long start = clock.nanoTime();
        int stoppedAt = tickUnread(3 * CoarseClock.PROBE_EVERY);
        time.advance(Duration.ofSeconds(3)); // the call goes on after the ticker stopped

        long elapsed = clock.nanoTime() - start;

        assertThat(stoppedAt).isPositive();
        assertThat(elapsed)
                .isEqualTo(stoppedAt * CoarseClock.RESOLUTION_NANOS
                        + Duration.ofSeconds(3).toNanos());
    }

    @Test
    void readingsLeaveTheMarkBitsClear() {
        time.advance(Duration.ofNanos(7)); // low bits set in the time source's reading

        clock.tick();

        assertThat(clock.nanoTime()).isEqualTo(time.nanoTime() & ~3L);
    }
}
