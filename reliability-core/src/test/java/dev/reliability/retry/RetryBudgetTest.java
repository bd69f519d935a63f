package dev.reliability.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.testing.ManualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
    private final ManualTimeSource time = new ManualTimeSource();

    @Test
    void startsFullWithTheDefaults() {
        RetryBudget budget = RetryBudget.builder().timeSource(time).build();

        assertThat(budget.availableTokens()).isEqualTo(100.0);
        assertThat(budget.retryRatio()).isEqualTo(0.2);
        assertThat(budget.minRetriesPerSecond()).isEqualTo(10.0);
        assertThat(budget.maxTokens()).isEqualTo(100);
        assertThat(RetryBudget.ofDefaults().maxTokens()).isEqualTo(100);
    }

    @Test
    void retriesAddAtMostTheRatioOfTheTraffic() {
        RetryBudget budget = RetryBudget.builder()
                .retryRatio(0.2)
                .minRetriesPerSecond(0)
                .maxTokens(1)
                .timeSource(time)
                .build();
        assertThat(budget.tryAcquireRetry()).isTrue(); // the initial token

        int allowed = 0;
        for (int call = 0; call < 1000; call++) {
            budget.recordCall();
            if (budget.tryAcquireRetry()) {
                allowed++;
            }
        }

        assertThat(allowed).isEqualTo(200);
        assertThat(budget.permittedRetries()).isEqualTo(201);
        assertThat(budget.rejectedRetries()).isEqualTo(800);
    }

    @Test
    void theFloorRefillsWithTimeUpToTheCapacity() {
        RetryBudget budget = RetryBudget.builder()
                .retryRatio(0)
                .minRetriesPerSecond(10)
                .maxTokens(20)
                .timeSource(time)
                .build();
        while (budget.tryAcquireRetry()) {
            // drain
        }
        assertThat(budget.availableTokens()).isZero();

        time.advance(Duration.ofMillis(500));
        assertThat(budget.availableTokens()).isEqualTo(5.0);

        time.advance(Duration.ofHours(1));
        assertThat(budget.availableTokens()).isEqualTo(20.0);
    }

    @Test
    void anEmptyBudgetRefusesUntilRefilled() {
        RetryBudget budget = RetryBudget.builder()
                .retryRatio(0)
                .minRetriesPerSecond(1)
                .maxTokens(1)
                .timeSource(time)
                .build();

        assertThat(budget.tryAcquireRetry()).isTrue();
        assertThat(budget.tryAcquireRetry()).isFalse();
        time.advance(Duration.ofMillis(999));
        assertThat(budget.tryAcquireRetry()).isFalse();
        time.advance(Duration.ofMillis(1));
        assertThat(budget.tryAcquireRetry()).isTrue();
    }

    @Test
    void depositsNeverExceedTheCapacity() {
        RetryBudget budget = RetryBudget.builder()
                .retryRatio(5)
                .minRetriesPerSecond(0)
                .maxTokens(3)
                .timeSource(time)
                .build();
        for (int i = 0; i < 10; i++) {
            budget.recordCall();
        }

        assertThat(budget.availableTokens()).isEqualTo(3.0);
        assertThat(budget.toString()).contains("retryRatio=5.0", "maxTokens=3", "available=3.0");
    }

    @Test
    void concurrentRetriesNeverOverdrawTheBalance() throws InterruptedException {
        RetryBudget budget = RetryBudget.builder()
                .retryRatio(0)
                .minRetriesPerSecond(0)
                .maxTokens(1000)
                .timeSource(time)
                .build();
        AtomicInteger granted = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 1000; i++) {
                    if (budget.tryAcquireRetry()) {
                        granted.incrementAndGet();
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join(10_000);
        }

        assertThat(granted).hasValue(1000);
        assertThat(budget.rejectedRetries()).isEqualTo(3000);
        assertThat(budget.availableTokens()).isZero();
    }

    @Test
    void rejectsInvalidSettings() {
        assertThatThrownBy(() -> RetryBudget.builder().retryRatio(-0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("retryRatio must be in [0, 1000], was -0.1");
        assertThatThrownBy(() -> RetryBudget.builder().retryRatio(Double.NaN))
                .hasMessage("retryRatio must be in [0, 1000], was NaN");
        assertThatThrownBy(() -> RetryBudget.builder().minRetriesPerSecond(Double.POSITIVE_INFINITY))
                .hasMessage("minRetriesPerSecond must be a finite number >= 0, was Infinity");
        assertThatThrownBy(() -> RetryBudget.builder().minRetriesPerSecond(-1))
                .hasMessage("minRetriesPerSecond must be a finite number >= 0, was -1");
        assertThatThrownBy(() -> RetryBudget.builder().maxTokens(0)).hasMessage("maxTokens must be >= 1, was 0");
        assertThatThrownBy(() -> RetryBudget.builder().maxTokens(2_000_000))
                .hasMessage("maxTokens must be <= 1000000, was 2000000");
        assertThatThrownBy(() -> RetryBudget.builder().timeSource(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("timeSource");
    }
}
