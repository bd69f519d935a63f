package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.testing.ManualTimeSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClockSamplerTest {
    private final ThreadCounters.Cell caller = new ThreadCounters.Cell(Thread.currentThread());

    @Test
    void samplesEveryCallWhileTheClockStands() {
        ClockSampler sampler = new ClockSampler(63);
        ManualTimeSource time = new ManualTimeSource();

        for (int i = 0; i < 100; i++) {
            assertThat(sampler.shouldSample(caller)).isTrue();
            sampler.sample(time);
        }

        assertThat(sampler.mask()).isZero();
    }

    @Test
    void widensIntervalUnderDenseTrafficUpToMax() {
        ClockSampler sampler = new ClockSampler(63);
        ManualTimeSource time = new ManualTimeSource();

        for (int i = 0; i < 20; i++) {
            time.advance(Duration.ofMillis(1).dividedBy(10));
            sampler.sample(time);
        }

        assertThat(sampler.mask()).isEqualTo(63);
    }

    @Test
    void keepsIntervalBetweenAQuarterAndTheTarget() {
        ClockSampler sampler = new ClockSampler(63);
        ManualTimeSource time = new ManualTimeSource();
        sampler.sample(time);
        time.advance(Duration.ofNanos(ClockSampler.TARGET_NANOS / 4));
        sampler.sample(time);
        assertThat(sampler.mask()).isEqualTo(1);

        time.advance(Duration.ofNanos(ClockSampler.TARGET_NANOS / 2));
        sampler.sample(time);

        assertThat(sampler.mask()).isEqualTo(1);
    }

    @Test
    void returnsToEveryCallAfterALull() {
        ClockSampler sampler = new ClockSampler(63, 0L);
        ManualTimeSource time = new ManualTimeSource();
        for (int i = 0; i < 10; i++) {
            time.advance(Duration.ofNanos(1000));
            sampler.sample(time);
        }
        assertThat(sampler.mask()).isPositive();

        time.advance(Duration.ofMillis(2));
        sampler.sample(time);

        assertThat(sampler.mask()).isZero();
        assertThat(sampler.shouldSample(caller)).isTrue();
        assertThat(sampler.lastNanos()).isEqualTo(time.nanoTime());
    }

    @Test
    void widenedSamplerSkipsMostCalls() {
        ClockSampler sampler = new ClockSampler(63);
        ManualTimeSource time = new ManualTimeSource();
        for (int i = 0; i < 10; i++) {
            time.advance(Duration.ofNanos(1000));
            sampler.sample(time);
        }

        int sampled = 0;
        for (int i = 0; i < 64_000; i++) {
            if (sampler.shouldSample(caller)) {
                sampled++;
            }
        }

        assertThat(sampled).isEqualTo(1000); // one call in mask + 1 = 64, counted down per thread
    }

    @Test
    void countdownLeftFromAWiderMaskNeverDelaysASample() {
        ClockSampler wide = new ClockSampler(1023);
        ClockSampler narrow = new ClockSampler(1);
        ManualTimeSource time = new ManualTimeSource();
        for (int i = 0; i < 20; i++) {
            time.advance(Duration.ofNanos(1000));
            wide.sample(time);
            narrow.sample(time);
        }
        assertThat(wide.mask()).isEqualTo(1023);
        assertThat(narrow.mask()).isEqualTo(1);
        assertThat(wide.shouldSample(caller)).isTrue(); // the countdown starts at 1024
        assertThat(wide.shouldSample(caller)).isFalse();

        // the same thread's countdown, 1022 calls left, is cut to the narrow sampler's interval of 2
        assertThat(narrow.shouldSample(caller)).isTrue();
        assertThat(narrow.shouldSample(caller)).isFalse();
        assertThat(narrow.shouldSample(caller)).isTrue();
    }

    @Test
    void eachThreadCountsDownItsOwnInterval() {
        ClockSampler sampler = new ClockSampler(3);
        ManualTimeSource time = new ManualTimeSource();
        for (int i = 0; i < 10; i++) {
            time.advance(Duration.ofNanos(1000));
            sampler.sample(time);
        }
        ThreadCounters.Cell other = new ThreadCounters.Cell(Thread.currentThread());

        int sampledByCaller = 0;
        int sampledByOther = 0;
        for (int i = 0; i < 400; i++) {
            sampledByCaller += sampler.shouldSample(caller) ? 1 : 0;
            sampledByOther += sampler.shouldSample(other) ? 1 : 0;
        }

        assertThat(sampledByCaller).isEqualTo(100);
        assertThat(sampledByOther).isEqualTo(100);
    }

    @Test
    void clearForgetsSamples() {
        ClockSampler sampler = new ClockSampler(63, 5L);
        assertThat(sampler.hasSample()).isTrue();

        sampler.clear();

        assertThat(sampler.hasSample()).isFalse();
        assertThat(sampler.mask()).isZero();
    }
}
