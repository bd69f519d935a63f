package dev.reliability.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.retry.RetryBudget;
import dev.reliability.state.SimpleStateStore;
import dev.reliability.state.StateStore;
import dev.reliability.testing.ManualScheduler;
import dev.reliability.testing.ManualTimeSource;
import dev.reliability.testing.SwitchableStateStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A retry budget shared by several registries (JVMs) through a store, in virtual time: their sync workers flush once per
 * sync interval, in the order the registries were built.
 */
class SharedRetryBudgetTest {
    private final ManualTimeSource time = new ManualTimeSource();
    private final ManualScheduler sync = new ManualScheduler(time);
    private final StateStore store = new SimpleStateStore(time);
    private final RetryBudget tenTokens = RetryBudget.builder()
            .retryRatio(0)
            .minRetriesPerSecond(0)
            .maxTokens(10)
            .build();

    private Registry node(StateStore on) {
        return Registry.builder()
                .timeSource(time)
                .stateStore(on)
                .syncInterval(Duration.ofSeconds(1))
                .syncExecutor(sync)
                .build();
    }

    private static int spend(RetryBudget budget, int retries) {
        int permitted = 0;
        for (int i = 0; i < retries; i++) {
            permitted += budget.tryAcquireRetry() ? 1 : 0;
        }
        return permitted;
    }

    @Test
    void retriesAreAggregatedAcrossNodesOncePerSyncInterval() {
        RetryBudget a = node(store).retryBudget("inventory", tenTokens);
        RetryBudget b = node(store).retryBudget("inventory", tenTokens);
        assertThat(a.isShared()).isTrue();

        assertThat(spend(a, 6)).isEqualTo(6);
        assertThat(spend(b, 1)).isEqualTo(1); // b has not seen a's retries yet
        sync.advance(Duration.ofSeconds(1)); // a flushes its 6, then b its 1 and adopts 10 - 6 - 1
        assertThat(a.availableTokens()).isEqualTo(4.0);

        assertThat(spend(b, 10)).isEqualTo(3);
        sync.advance(Duration.ofSeconds(1)); // a reads 3 before b flushes its 3
        assertThat(b.availableTokens()).isZero();
        sync.advance(Duration.ofSeconds(1));
        assertThat(a.availableTokens()).isZero();
    }

    @Test
    void theFloorFlowsInOnceForTheWholeCluster() {
        RetryBudget template = RetryBudget.builder()
                .retryRatio(0)
                .minRetriesPerSecond(1)
                .maxTokens(10)
                .build();
        RetryBudget a = node(store).retryBudget("inventory", template);
        RetryBudget b = node(store).retryBudget("inventory", template);
        assertThat(spend(a, 10)).isEqualTo(10);
        sync.advance(Duration.ofSeconds(1));
        assertThat(a.availableTokens()).isEqualTo(1.0); // flushed -10, plus one second of floor

        sync.advance(Duration.ofSeconds(4));
        double seenByA = a.availableTokens();
        double seenByB = b.availableTokens();

        assertThat(seenByA).isEqualTo(5.0);
        assertThat(seenByB).isEqualTo(5.0);
    }

    @Test
    void depositsFromCallsReachTheOtherNodes() {
        RetryBudget template = RetryBudget.builder()
                .retryRatio(0.5)
                .minRetriesPerSecond(0)
                .maxTokens(10)
                .build();
        RetryBudget b = node(store).retryBudget("inventory", template); // built first: its worker flushes first
        RetryBudget a = node(store).retryBudget("inventory", template);
        assertThat(spend(b, 10)).isEqualTo(10);
        for (int i = 0; i < 8; i++) {
            a.recordCall();
        }
        sync.advance(Duration.ofSeconds(1));
        assertThat(b.availableTokens()).isZero(); // b flushes first: 10 - 10
        assertThat(a.availableTokens()).isEqualTo(4.0); // a's 8 calls deposit 4 tokens

        sync.advance(Duration.ofSeconds(1));
        assertThat(b.availableTokens()).isEqualTo(4.0);
    }

    @Test
    void whenTheStoreFailsTheBudgetWorksLocallyAndFlushesLater() {
        SwitchableStateStore switchable = new SwitchableStateStore(store);
        RetryBudget a = node(switchable.store()).retryBudget("inventory", tenTokens);
        RetryBudget b = node(store).retryBudget("inventory", tenTokens);
        assertThat(a.availableTokens()).isEqualTo(10.0);
        switchable.available(false);

        sync.advance(Duration.ofSeconds(1));
        assertThat(spend(a, 3)).isEqualTo(3);
        switchable.available(true);
        sync.advance(Duration.ofSeconds(1));
        assertThat(a.availableTokens()).isEqualTo(7.0);

        assertThat(b.availableTokens()).isEqualTo(7.0);
    }

    @Test
    void withoutAStoreTheBudgetIsLocalAndNamesAreUnique() {
        Registry registry = Registry.builder().timeSource(time).build();
        RetryBudget budget = registry.retryBudget("inventory", tenTokens);

        assertThat(budget.isShared()).isFalse();
        assertThat(registry.retryBudget("inventory", tenTokens)).isSameAs(budget);
        assertThat(spend(budget, 11)).isEqualTo(10);
        assertThatThrownBy(() -> registry.retryBudget("inventory", RetryBudget.ofDefaults()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("retry budget 'inventory' already exists with retryRatio=0.0");
        assertThatThrownBy(() -> node(store).retryBudget("x".repeat(237), tenTokens))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name must be at most 236 characters with a state store, was 237");
    }
}
