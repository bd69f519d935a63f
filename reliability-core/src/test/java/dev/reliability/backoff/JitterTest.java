package dev.reliability.backoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class JitterTest {
    private static final Duration BASE = Duration.ofSeconds(1);

    private static List<Duration> samples(Backoff backoff, int attempt, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Duration> delays = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            delays.add(backoff.delay(attempt, random));
        }
        return delays;
    }

    @Test
    void fullJitterIsUniformBetweenZeroAndTheDelay() {
        List<Duration> delays = samples(Backoff.fixed(BASE).withJitter(Jitter.FULL), 1, 1);

        assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(Duration.ZERO, BASE));
        assertThat(delays).anySatisfy(d -> assertThat(d).isLessThan(Duration.ofMillis(100)));
        assertThat(delays).anySatisfy(d -> assertThat(d).isGreaterThan(Duration.ofMillis(900)));
    }

    @Test
    void equalJitterNeverGoesBelowHalf() {
        List<Duration> delays = samples(Backoff.fixed(BASE).withJitter(Jitter.EQUAL), 1, 2);

        assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(Duration.ofMillis(500), BASE));
        assertThat(delays).anySatisfy(d -> assertThat(d).isLessThan(Duration.ofMillis(550)));
    }

    @Test
    void proportionalJitterSpreadsAroundTheDelay() {
        List<Duration> delays = samples(Backoff.fixed(BASE).withJitter(Jitter.proportional(0.1)), 1, 3);

        assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(Duration.ofMillis(900), Duration.ofMillis(1100)));
        assertThat(delays).anySatisfy(d -> assertThat(d).isGreaterThan(BASE));
        assertThat(delays).anySatisfy(d -> assertThat(d).isLessThan(BASE));
    }

    @Test
    void proportionalZeroIsExact() {
        assertThat(samples(Backoff.fixed(BASE).withJitter(Jitter.proportional(0)), 1, 4))
                .containsOnly(BASE);
    }

    @Test
    void decorrelatedJitterWalksBetweenBaseAndThreeTimesThePrevious() {
        Duration cap = Duration.ofSeconds(20);
        Backoff backoff = Backoff.exponential(BASE, 2.0).withMaxDelay(cap).withJitter(Jitter.DECORRELATED);
        SplittableRandom random = new SplittableRandom(5);

        Duration previous = null;
        for (int attempt = 1; attempt <= 50; attempt++) {
            Duration delay = backoff.delay(attempt, null, previous, random);
            Duration high = previous == null ? Duration.ofSeconds(3) : min(cap, previous.multipliedBy(3));
            assertThat(delay).as("attempt %d", attempt).isBetween(BASE, max(BASE, high));
            previous = delay;
        }
    }

    @Test
    void decorrelatedPureDelayUsesTheStrategyForThePrevious() {
        Backoff backoff = Backoff.exponential(BASE, 2.0).withJitter(Jitter.DECORRELATED);

        // attempt 3: previous = the delay of attempt 2 (2 s), so uniform in [1 s, 6 s]
        assertThat(samples(backoff, 3, 6))
                .allSatisfy(d -> assertThat(d).isBetween(BASE, Duration.ofSeconds(6)))
                .anySatisfy(d -> assertThat(d).isGreaterThan(Duration.ofSeconds(5)));
    }

    @Test
    void theSameSeedGivesTheSameDelays() {
        for (Jitter jitter : List.of(Jitter.FULL, Jitter.EQUAL, Jitter.DECORRELATED, Jitter.proportional(0.5))) {
            Backoff backoff = Backoff.exponential(BASE, 2.0).withJitter(jitter);
            assertThat(samples(backoff, 3, 99)).as("%s", jitter).isEqualTo(samples(backoff, 3, 99));
            assertThat(samples(backoff, 3, 99)).as("%s", jitter).isNotEqualTo(samples(backoff, 3, 100));
        }
    }

    static Stream<Long> seeds() {
        return LongStream.range(0, 24).map(i -> 0x9E3779B97F4A7C15L * (i + 1)).boxed();
    }

    /**
     * Property: for random bases up to Long.MAX_VALUE / 2 nanoseconds and attempts 1..10 000, every strategy and
     * jitter gives a delay in [0, cap * (1 + spread)], never negative. The seed is in the test's display name.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void delaysStayInBoundsForAnyAttemptAndBase(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 200; round++) {
            long baseNanos = random.nextLong(0, Long.MAX_VALUE / 2);
            long capNanos = random.nextLong(baseNanos, Long.MAX_VALUE);
            int attempt = random.nextInt(1, 10_001);
            Duration base = Duration.ofNanos(baseNanos);
            Duration cap = Duration.ofNanos(capNanos);
            Jitter jitter = List.of(Jitter.NONE, Jitter.FULL, Jitter.EQUAL, Jitter.DECORRELATED, Jitter.proportional(1))
                    .get(random.nextInt(5));
            for (Backoff backoff : List.of(
                    Backoff.fixed(base),
                    Backoff.exponential(base, 1 + random.nextDouble() * 10),
                    Backoff.linear(base),
                    Backoff.linear(base, Duration.ofNanos(random.nextLong(0, Long.MAX_VALUE / 2))))) {
                Backoff jittered = backoff.withMaxDelay(cap).withJitter(jitter);
                Duration delay = jittered.delay(attempt, random);
                String context = "seed " + seed + ", round " + round + ", attempt " + attempt + ", " + jittered;
                assertThat(delay.isNegative()).as(context).isFalse();
                Duration bound = jitter.equals(Jitter.proportional(1))
                        ? (capNanos > Long.MAX_VALUE / 2 ? Duration.ofNanos(Long.MAX_VALUE) : cap.multipliedBy(2))
                        : cap;
                assertThat(delay).as(context).isLessThanOrEqualTo(bound);
            }
        }
    }

    @Test
    void rejectsAProportionalFactorOutsideZeroToOne() {
        assertThatThrownBy(() -> Jitter.proportional(1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("factor must be in [0, 1], was 1.5");
        assertThatThrownBy(() -> Jitter.proportional(-0.1)).hasMessage("factor must be in [0, 1], was -0.1");
        assertThatThrownBy(() -> Jitter.proportional(Double.NaN)).hasMessage("factor must be in [0, 1], was NaN");
        assertThatThrownBy(() -> Jitter.proportional(Double.NEGATIVE_INFINITY))
                .hasMessage("factor must be in [0, 1], was -Infinity");
    }

    @Test
    void isAValueWithReadableText() {
        assertThat(Jitter.proportional(0.25))
                .isEqualTo(Jitter.proportional(0.25))
                .hasSameHashCodeAs(Jitter.proportional(0.25));
        assertThat(Jitter.proportional(0.25))
                .isNotEqualTo(Jitter.proportional(0.5))
                .isNotEqualTo(Jitter.FULL);
        assertThat(Jitter.FULL.toString()).isEqualTo("Jitter.FULL");
        assertThat(Jitter.proportional(0.25).toString()).isEqualTo("Jitter.proportional(0.25)");
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
