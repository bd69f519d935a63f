package dev.reliability.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.backoff.Backoff;
import dev.reliability.backoff.Jitter;
import dev.reliability.circuitbreaker.CallNotPermittedException;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.retry.Retry;
import dev.reliability.retry.RetryPolicy;
import dev.reliability.testing.ManualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A retry wrapped around a breaker: each attempt is one breaker call, and rejections stop the retry by default. */
class RetryAroundBreakerTest {
    private final ManualTimeSource time = new ManualTimeSource();
    private final Registry registry =
            Registry.builder().timeSource(time).random(new SplittableRandom(42)).build();
    private final CircuitBreaker breaker = registry.circuitBreaker(
            "inventory",
            CircuitBreakerConfig.builder()
                    .failureThreshold(2)
                    .openDuration(Duration.ofSeconds(10))
                    .build());
    private final AtomicInteger calls = new AtomicInteger();

    private Retry retry(RetryPolicy.Builder policy) {
        return Retry.of("inventory", policy.build(), time, registry.random());
    }

    private String failingCall() throws IOException {
        calls.incrementAndGet();
        throw new IOException("down");
    }

    @Test
    void eachAttemptIsRecordedOnce() throws IOException {
        Retry retry = retry(RetryPolicy.builder()
                .maxAttempts(3)
                .backoff(Backoff.fixed(Duration.ofSeconds(1)).withJitter(Jitter.NONE)));
        CircuitBreaker lenient = registry.circuitBreaker(
                "lenient", CircuitBreakerConfig.builder().failureThreshold(10).build());

        String result = retry.execute(() -> lenient.execute(() -> {
            if (calls.incrementAndGet() < 3) {
                throw new IOException("flaky");
            }
            return "ok";
        }));

        assertThat(result).isEqualTo("ok");
        assertThat(lenient.stats().totalFailures()).isEqualTo(2);
        assertThat(lenient.stats().totalSuccess()).isEqualTo(1);
        assertThat(lenient.stats().requests()).isEqualTo(3);
    }

    @Test
    void rejectionIsNotRetriedByDefault() {
        Retry retry = retry(RetryPolicy.builder()
                .maxAttempts(5)
                .backoff(Backoff.fixed(Duration.ofSeconds(1)).withJitter(Jitter.NONE)));

        assertThatThrownBy(() -> retry.execute(() -> breaker.execute(this::failingCall)))
                .isInstanceOf(CallNotPermittedException.class);

        // two failures opened the breaker; the third attempt was rejected and ended the retry at once
        assertThat(calls).hasValue(2);
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        assertThat(breaker.stats().totalFailures()).isEqualTo(2);
        assertThat(breaker.stats().rejected()).isEqualTo(1);
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    @Test
    void rejectionIsRetriedWhenConfigured() {
        // Given an open breaker, 10 s from half-open
        for (int i = 0; i < 2; i++) {
            assertThat(breaker.tryAcquirePermission()).isTrue();
            breaker.onError(0, new IOException("down"));
        }
        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        Retry retry = retry(RetryPolicy.builder()
                .maxAttempts(4)
                .retryOn(CallNotPermittedException.class)
                .backoff(Backoff.fixed(Duration.ofSeconds(5)).withJitter(Jitter.NONE)));

        // When a retry configured to retry rejections calls through it
        String result = retry.execute(() -> breaker.execute(() -> "recovered"));

        // Then its waits let the open duration pass and the half-open trial succeeds
        assertThat(result).isEqualTo("recovered");
        assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.stats().rejected()).isEqualTo(2);
        assertThat(breaker.stats().totalSuccess()).isEqualTo(1);
    }
}
