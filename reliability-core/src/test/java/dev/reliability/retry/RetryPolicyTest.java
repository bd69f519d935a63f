package dev.reliability.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.backoff.Backoff;
import dev.reliability.backoff.Jitter;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RetryPolicyTest {

    @Test
    void defaultsComeFromTheSeed() {
        RetryPolicy policy = RetryPolicy.ofDefaults();

        assertThat(policy.maxAttempts()).isEqualTo(3);
        assertThat(policy.backoff())
                .isEqualTo(Backoff.exponential(Duration.ofSeconds(1), 2.0)
                        .withMaxDelay(Duration.ofSeconds(30))
                        .withJitter(Jitter.EQUAL));
        assertThat(policy.maxDuration()).isEmpty();
        assertThat(policy.budget()).isEmpty();
        assertThat(policy.listeners()).isEmpty();
        assertThat(policy.isRetryable(new IOException())).isTrue();
        assertThat(policy.isRetryable(new StackOverflowError())).isFalse();
        assertThat(policy.isRetryableResult(null)).isFalse();
        assertThat(RetryPolicy.builder().build()).isEqualTo(policy);
    }

    @Test
    void toBuilderCopiesEverySetting() {
        RetryBudget budget = RetryBudget.ofDefaults();
        RetryListener listener = new RetryListener() {};
        RetryPolicy policy = RetryPolicy.builder()
                .maxAttempts(7)
                .backoff(Backoff.fixed(Duration.ofSeconds(2)))
                .retryOn(IOException.class)
                .retryIf(failure -> false)
                .abortOn(IllegalStateException.class)
                .retryOnResult(result -> result == null)
                .maxDuration(Duration.ofMinutes(1))
                .delayFrom(failure -> Optional.empty())
                .budget(budget)
                .listener(listener)
                .build();

        RetryPolicy copy = policy.toBuilder().build();

        assertThat(copy).isEqualTo(policy).hasSameHashCodeAs(policy).isNotSameAs(policy);
        assertThat(copy.maxDuration()).contains(Duration.ofMinutes(1));
        assertThat(copy.budget()).containsSame(budget);
        assertThat(copy.listeners()).containsExactly(listener);
        assertThat(policy.toBuilder().maxAttempts(8).build()).isNotEqualTo(policy);
        assertThat(policy.toString())
                .startsWith(
                        "RetryPolicy[maxAttempts=7, backoff=Backoff.fixed(PT2S), retryOn=[class java.io.IOException]")
                .contains("abortOn=[class java.lang.IllegalStateException]", "maxDuration=PT1M");
    }

    @Test
    void theBuilderIsACopyOnBuildSnapshot() {
        RetryPolicy.Builder builder = RetryPolicy.builder().listener(new RetryListener() {});
        RetryPolicy first = builder.build();
        builder.listener(new RetryListener() {}).maxAttempts(9);

        assertThat(first.listeners()).hasSize(1);
        assertThat(first.maxAttempts()).isEqualTo(3);
    }

    @Test
    void negativePushbackMeansRetryNow() {
        RetryPolicy policy = RetryPolicy.builder()
                .delayFrom(failure -> Optional.of(Duration.ofSeconds(-5)))
                .build();

        assertThat(policy.pushback(new IOException())).isZero();
        assertThat(policy.pushback(null)).isNull();
    }

    static Stream<Arguments> invalidSettings() {
        return Stream.of(
                bad("maxAttempts 0", b -> b.maxAttempts(0), "maxAttempts must be >= 1, was 0"),
                bad("maxAttempts negative", b -> b.maxAttempts(-3), "maxAttempts must be >= 1, was -3"),
                bad(
                        "maxAttempts MIN",
                        b -> b.maxAttempts(Integer.MIN_VALUE),
                        "maxAttempts must be >= 1, was -2147483648"),
                bad("maxDuration zero", b -> b.maxDuration(Duration.ZERO), "maxDuration must be > 0, was PT0S"),
                bad(
                        "maxDuration negative",
                        b -> b.maxDuration(Duration.ofSeconds(-1)),
                        "maxDuration must be > 0, was PT-1S"),
                bad(
                        "maxDuration near overflow",
                        b -> b.maxDuration(Duration.ofSeconds(Long.MAX_VALUE)),
                        "maxDuration must be <= PT2562047H47M16.854775807S, was PT2562047788015215H30M7S"),
                bad(
                        "maxDuration one nano past the limit",
                        b -> b.maxDuration(Duration.ofNanos(Long.MAX_VALUE).plusNanos(1)),
                        "maxDuration must be <= PT2562047H47M16.854775807S, was PT2562047H47M16.854775808S"),
                bad("retryOn empty", b -> b.retryOn(), "retryOn must name at least one type, was []"),
                bad("abortOn empty", b -> b.abortOn(), "abortOn must name at least one type, was []"));
    }

    private static Arguments bad(String name, Consumer<RetryPolicy.Builder> setting, String message) {
        return Arguments.of(name, setting, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSettings")
    void invalidSettingsFailWithTheirNameAndValue(String name, Consumer<RetryPolicy.Builder> setting, String message) {
        RetryPolicy.Builder builder = RetryPolicy.builder();

        assertThatThrownBy(() -> setting.accept(builder))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
        assertThat(builder.build()).isEqualTo(RetryPolicy.ofDefaults());
    }

    @Test
    void nullSettingsFailWithTheirName() {
        RetryPolicy.Builder builder = RetryPolicy.builder();
        assertThatThrownBy(() -> builder.backoff(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("backoff");
        assertThatThrownBy(() -> builder.retryIf(null)).hasMessage("predicate");
        assertThatThrownBy(() -> builder.retryOnResult(null)).hasMessage("predicate");
        assertThatThrownBy(() -> builder.maxDuration(null)).hasMessage("maxDuration");
        assertThatThrownBy(() -> builder.delayFrom(null)).hasMessage("delayFrom");
        assertThatThrownBy(() -> builder.budget(null)).hasMessage("budget");
        assertThatThrownBy(() -> builder.listener(null)).hasMessage("listener");
        assertThatThrownBy(() -> builder.retryOn((Class<? extends Throwable>[]) null))
                .hasMessage("retryOn");
        assertThatThrownBy(() -> builder.abortOn(IOException.class, null)).hasMessage("abortOn[1]");
        assertThatThrownBy(() -> RetryPolicy.ofDefaults().isRetryable(null)).hasMessage("failure");
    }
}
