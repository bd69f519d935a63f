package dev.reliability.backoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final Duration MAX = Duration.ofNanos(Long.MAX_VALUE);
    private final SplittableRandom random = new SplittableRandom(42);

    private List<Duration> schedule(Backoff backoff, int attempts) {
        return IntStream.rangeClosed(1, attempts)
                .mapToObj(attempt -> backoff.delay(attempt, random))
                .toList();
    }

    @Test
    void fixedWaitsTheSameBeforeEveryRetry() {
        assertThat(schedule(Backoff.fixed(Duration.ofMillis(250)), 4)).containsOnly(Duration.ofMillis(250));
    }

    @Test
    void noneNeverWaits() {
        assertThat(schedule(Backoff.none(), 3)).containsOnly(Duration.ZERO);
    }

    @Test
    void exponentialMultipliesEachDelay() {
        assertThat(schedule(Backoff.exponential(Duration.ofMillis(500), 2.0), 5))
                .containsExactly(
                        Duration.ofMillis(500),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(4),
                        Duration.ofSeconds(8));
    }

    @Test
    void exponentialHonoursFractionalMultipliers() {
        assertThat(schedule(Backoff.exponential(Duration.ofSeconds(1), 1.5), 3))
                .containsExactly(Duration.ofSeconds(1), Duration.ofMillis(1500), Duration.ofMillis(2250));
    }

    @Test
    void exponentialFromZeroStaysZero() {
        assertThat(Backoff.exponential(Duration.ZERO, 2.0).delay(10_000, random))
                .isZero();
    }

    @Test
    void linearGrowsByTheInitialDelay() {
        assertThat(schedule(Backoff.linear(Duration.ofMillis(500)), 4))
                .containsExactly(
                        Duration.ofMillis(500),
                        Duration.ofMillis(1000),
                        Duration.ofMillis(1500),
                        Duration.ofMillis(2000));
    }

    @Test
    void linearWithIncrementAddsTheIncrement() {
        assertThat(schedule(Backoff.linear(Duration.ofSeconds(1), Duration.ofMillis(100)), 3))
                .containsExactly(Duration.ofSeconds(1), Duration.ofMillis(1100), Duration.ofMillis(1200));
    }

    @Test
    void customReceivesTheAttemptAndTheLastFailure() {
        IOException failure = new IOException("boom");
        Backoff backoff = Backoff.custom(
                (attempt, last) -> last == failure ? Duration.ofSeconds(attempt) : Duration.ofMillis(attempt));

        assertThat(backoff.delay(3, failure, null, random)).isEqualTo(Duration.ofSeconds(3));
        assertThat(backoff.delay(3, random)).isEqualTo(Duration.ofMillis(3));
    }

    @Test
    void customFibonacciFromTheSeed() {
        Backoff backoff = Backoff.custom((attempt, last) -> {
            if (attempt <= 2) {
                return Duration.ofSeconds(1);
            }
            return Duration.ofSeconds((attempt - 1) + (attempt - 2));
        });

        assertThat(schedule(backoff, 5))
                .containsExactly(
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(3),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(7));
    }

    @Test
    void customResultIsCapped() {
        Backoff backoff =
                Backoff.custom((attempt, last) -> Duration.ofDays(attempt)).withMaxDelay(Duration.ofHours(1));

        assertThat(backoff.delay(2, random)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void customHugeResultSaturates() {
        Backoff backoff = Backoff.custom((attempt, last) -> Duration.ofSeconds(Long.MAX_VALUE));

        assertThat(backoff.delay(1, random)).isEqualTo(MAX);
    }

    @Test
    void customNullOrNegativeDelayIsAClearError() {
        assertThatThrownBy(() -> Backoff.custom((attempt, last) -> null).delay(2, random))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("custom delay for attempt 2 must not be null");
        assertThatThrownBy(() -> Backoff.custom((attempt, last) -> Duration.ofSeconds(-1))
                        .delay(1, random))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("custom delay for attempt 1 must be >= 0, was PT-1S");
    }

    @Test
    void maxDelayCapsBeforeJitter() {
        Backoff backoff = Backoff.exponential(Duration.ofSeconds(1), 2.0).withMaxDelay(Duration.ofSeconds(5));

        assertThat(schedule(backoff, 5))
                .containsExactly(
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(4),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(5));
        assertThat(backoff.maxDelay()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void uncappedMaxDelayIsTheLargestDuration() {
        assertThat(Backoff.fixed(Duration.ZERO).maxDelay()).isEqualTo(MAX);
        assertThat(Backoff.fixed(Duration.ZERO).jitter()).isEqualTo(Jitter.NONE);
    }

    @Test
    void hugeAttemptsGiveTheCapNeverAWrappedDelay() {
        Duration cap = Duration.ofMinutes(5);
        List<Backoff> backoffs = List.of(
                Backoff.exponential(Duration.ofSeconds(Long.MAX_VALUE / 2_000_000_000L), 2.0)
                        .withMaxDelay(Duration.ofDays(100_000)),
                Backoff.exponential(Duration.ofMillis(1), 10.0).withMaxDelay(cap),
                Backoff.linear(Duration.ofDays(365)).withMaxDelay(Duration.ofDays(3650)),
                Backoff.linear(Duration.ofNanos(Long.MAX_VALUE / 2), Duration.ofNanos(Long.MAX_VALUE / 2)));

        for (Backoff backoff : backoffs) {
            assertThat(backoff.delay(10_000, random)).as("%s", backoff).isEqualTo(backoff.maxDelay());
            assertThat(backoff.delay(Integer.MAX_VALUE, random))
                    .as("%s", backoff)
                    .isEqualTo(backoff.maxDelay());
        }
    }

    @Test
    void rejectsInvalidSettingsWithTheirValue() {
        assertThatThrownBy(() -> Backoff.fixed(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("delay must be >= 0, was PT-0.001S");
        assertThatThrownBy(() -> Backoff.fixed(Duration.ofSeconds(Long.MAX_VALUE)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("delay must be <= PT2562047H47M16.854775807S, was PT");
        assertThatThrownBy(() -> Backoff.fixed(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("delay");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(1), 0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("multiplier must be a finite number >= 1, was 0.5");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(1), Double.NaN))
                .hasMessage("multiplier must be a finite number >= 1, was NaN");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(1), Double.POSITIVE_INFINITY))
                .hasMessage("multiplier must be a finite number >= 1, was Infinity");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(-1), 2))
                .hasMessage("initialDelay must be >= 0, was PT-1S");
        assertThatThrownBy(() -> Backoff.linear(Duration.ofSeconds(1), Duration.ofSeconds(-2)))
                .hasMessage("increment must be >= 0, was PT-2S");
        assertThatThrownBy(() -> Backoff.linear(Duration.ofSeconds(-1)))
                .hasMessage("initialDelay must be >= 0, was PT-1S");
        assertThatThrownBy(() -> Backoff.custom(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Backoff.fixed(Duration.ofSeconds(2)).withMaxDelay(Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxDelay must be >= the first delay (PT2S), was PT1S");
        assertThatThrownBy(() -> Backoff.fixed(Duration.ofSeconds(2)).withMaxDelay(Duration.ofSeconds(-1)))
                .hasMessage("maxDelay must be >= 0, was PT-1S");
        assertThatThrownBy(() -> Backoff.none().withJitter(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Backoff.none().delay(0, random))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("attempt must be >= 1, was 0");
        assertThatThrownBy(() -> Backoff.none().delay(1, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void isAValueWithEqualityAndReadableText() {
        Backoff one = Backoff.exponential(Duration.ofMillis(500), 2.0)
                .withMaxDelay(Duration.ofSeconds(10))
                .withJitter(Jitter.EQUAL);
        Backoff same = Backoff.exponential(Duration.ofMillis(500), 2.0)
                .withMaxDelay(Duration.ofSeconds(10))
                .withJitter(Jitter.EQUAL);

        assertThat(one).isEqualTo(same).hasSameHashCodeAs(same).isNotEqualTo(one.withJitter(Jitter.FULL));
        assertThat(one).isNotEqualTo(Backoff.linear(Duration.ofMillis(500)));
        assertThat(one.toString())
                .isEqualTo("Backoff.exponential(PT0.5S, 2.0).withMaxDelay(PT10S).withJitter(Jitter.EQUAL)");
        assertThat(Backoff.fixed(Duration.ofSeconds(1)).toString()).isEqualTo("Backoff.fixed(PT1S)");
        assertThat(Backoff.linear(Duration.ofSeconds(1)).toString()).isEqualTo("Backoff.linear(PT1S, PT1S)");
        assertThat(Backoff.custom((a, f) -> Duration.ZERO).toString()).startsWith("Backoff.custom(");
    }
}
