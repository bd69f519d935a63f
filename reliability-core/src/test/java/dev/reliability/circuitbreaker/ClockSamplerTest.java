package dev.reliability.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.testing.ManualTimeSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClockSamplerTest {

    @Test
    void samplesEveryCallWhileTheClockStands() {
        ClockSampler sampler = new ClockSampler(63);
        ManualTimeSource time = new ManualTimeSource();

        for (int i = 0; i < 100; i++) {
            assertThat(sampler.shouldSample(i + 1)).isTrue();
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
        assertThat(sampler.shouldSample(12345L)).isTrue();
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
        for (int i = 1; i <= 64_000; i++) {
            if (sampler.shouldSample(i)) {
                sampled++;
            }
        }

        assertThat(sampled).isEqualTo(1000); // one call in mask + 1 = 64, counted down per thread
    }

    @Test
    void samplesOneCallInEveryMaskPlusOneOfTheCallersCount() {
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

        // any run of mask + 1 consecutive counts has exactly one sample, whatever the count was before
        long start = 5_000_000_123L;
        int wideSamples = 0;
        int narrowSamples = 0;
        for (long count = start; count < start + 2048; count++) {
            wideSamples += wide.shouldSample(count) ? 1 : 0;
            narrowSamples += narrow.shouldSample(count) ? 1 : 0;
        }
        assertThat(wideSamples).isEqualTo(2);
        assertThat(narrowSamples).isEqualTo(1024);
        assertThat(narrow.shouldSample(start)).isNotEqualTo(narrow.shouldSample(start + 1));
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
