package dev.reliability.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.backoff.Backoff;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.registry.Registry;
import dev.reliability.retry.Retry;
import dev.reliability.retry.RetryBudget;
import dev.reliability.retry.RetryPolicy;
import dev.reliability.testing.ManualTimeSource;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ReliabilityMetricsTest {
    private final ManualTimeSource time = new ManualTimeSource();
    private final Registry registry =
            Registry.builder().timeSource(time).random(new SplittableRandom(1)).build();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final CircuitBreakerConfig twoFailures = CircuitBreakerConfig.builder()
            .failureThreshold(2)
            .openDuration(Duration.ofSeconds(30))
            .ignore(IllegalArgumentException.class)
            .build();
    private final RetryPolicy twoAttempts = RetryPolicy.builder()
            .maxAttempts(2)
            .backoff(Backoff.fixed(Duration.ofMillis(10)))
            .build();

    private static double counter(MeterRegistry meters, String name, String... tags) {
        FunctionCounter counter = meters.find(name).tags(tags).functionCounter();
        assertThat(counter).as(name + " " + List.of(tags)).isNotNull();
        return counter.count();
    }

    private static double gauge(MeterRegistry meters, String name, String... tags) {
        Gauge gauge = meters.find(name).tags(tags).gauge();
        assertThat(gauge).as(name + " " + List.of(tags)).isNotNull();
        return gauge.value();
    }

    private static void fail(CircuitBreaker breaker) {
        try {
            breaker.run(() -> {
                throw new IOException("down");
            });
        } catch (IOException expected) {
            // counted by the breaker
        }
    }

    @Test
    void aBreakersStateCallsAndRejectionsAreMeters() {
        CircuitBreaker breaker = registry.circuitBreaker("payments", twoFailures);
        ReliabilityMetrics.of(registry).bindTo(meters);

        breaker.execute(() -> "ok");
        breaker.execute(() -> "ok");
        assertThatThrownBy(() -> breaker.run(() -> {
                    throw new IllegalArgumentException("ignored");
                }))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(gauge(meters, "reliability.circuitbreaker.state", "name", "payments", "state", "closed"))
                .isEqualTo(1);
        fail(breaker);
        fail(breaker);
        assertThatThrownBy(() -> breaker.execute(() -> "rejected")).isNotNull();

        assertThat(counter(meters, "reliability.circuitbreaker.calls", "name", "payments", "outcome", "success"))
                .isEqualTo(2);
        assertThat(counter(meters, "reliability.circuitbreaker.calls", "name", "payments", "outcome", "failure"))
                .isEqualTo(2);
        assertThat(counter(meters, "reliability.circuitbreaker.calls", "name", "payments", "outcome", "ignored"))
                .isEqualTo(1);
        assertThat(counter(meters, "reliability.circuitbreaker.rejected.calls", "name", "payments"))
                .isEqualTo(1);
        assertThat(gauge(meters, "reliability.circuitbreaker.state", "name", "payments", "state", "open"))
                .isEqualTo(1);
        assertThat(gauge(meters, "reliability.circuitbreaker.state", "name", "payments", "state", "closed"))
                .isZero();
        assertThat(meters.find("reliability.circuitbreaker.state").tag("name", "payments").gauges().stream()
                        .map(g -> g.getId().getTag("state"))
                        .collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("closed", "open", "half-open", "forced-open", "disabled");
        // Without a sliding window there is no rate to report.
        assertThat(gauge(meters, "reliability.circuitbreaker.failure.rate", "name", "payments"))
                .isEqualTo(-1);
        assertThat(gauge(meters, "reliability.circuitbreaker.slow.call.rate", "name", "payments"))
                .isEqualTo(-1);

        time.advance(Duration.ofSeconds(30));
        assertThat(gauge(meters, "reliability.circuitbreaker.state", "name", "payments", "state", "half-open"))
                .isEqualTo(1);
    }

    @Test
    void aWindowedBreakersRatesAreGauges() {
        CircuitBreaker breaker = registry.circuitBreaker(
                "search",
                CircuitBreakerConfig.builder()
                        .countBasedWindow(4)
                        .minimumCalls(4)
                        .failureRateThreshold(90)
                        .slowCallDuration(Duration.ofSeconds(1))
                        .slowCallRateThreshold(100)
                        .build());
        ReliabilityMetrics.of(registry).bindTo(meters);

        breaker.execute(() -> "ok");
        breaker.execute(() -> "ok");
        breaker.execute(() -> "ok");
        fail(breaker);

        assertThat(gauge(meters, "reliability.circuitbreaker.failure.rate", "name", "search"))
                .isEqualTo(25);
        assertThat(gauge(meters, "reliability.circuitbreaker.slow.call.rate", "name", "search"))
                .isZero();
    }

    @Test
    void aRetrysOutcomesAndRetriesAreCounters() throws IOException {
        Retry retry = registry.retry("inventory", twoAttempts);
        ReliabilityMetrics.of(registry).bindTo(meters);

        retry.execute(() -> "ok");
        int[] calls = {0};
        retry.execute(() -> {
            if (++calls[0] == 1) {
                throw new IOException("once");
            }
            return "ok";
        });
        assertThatThrownBy(() -> retry.run(() -> {
                    throw new IOException("always");
                }))
                .isInstanceOf(IOException.class);
        Retry single =
                registry.retry("single", twoAttempts.toBuilder().maxAttempts(1).build());
        assertThatThrownBy(() -> single.run(() -> {
                    throw new IOException("once");
                }))
                .isInstanceOf(IOException.class);

        String name = "reliability.retry.calls";
        assertThat(counter(meters, name, "name", "inventory", "outcome", "success", "retried", "false"))
                .isEqualTo(1);
        assertThat(counter(meters, name, "name", "inventory", "outcome", "success", "retried", "true"))
                .isEqualTo(1);
        assertThat(counter(meters, name, "name", "inventory", "outcome", "failure", "retried", "false"))
                .isZero();
        assertThat(counter(meters, name, "name", "inventory", "outcome", "failure", "retried", "true"))
                .isEqualTo(1);
        assertThat(counter(meters, name, "name", "single", "outcome", "failure", "retried", "false"))
                .isEqualTo(1);
        assertThat(counter(meters, "reliability.retry.retries", "name", "inventory"))
                .isEqualTo(2);
        assertThat(counter(meters, "reliability.retry.rejected.retries", "name", "inventory"))
                .isZero();
    }

    @Test
    void aBudgetsTokensAndRetriesAreMeters() {
        RetryBudget budget = registry.retryBudget(
                "shared",
                RetryBudget.builder()
                        .maxTokens(1)
                        .retryRatio(0)
                        .minRetriesPerSecond(0)
                        .build());
        Retry retry = registry.retry(
                "budgeted", twoAttempts.toBuilder().budget(budget).build());
        ReliabilityMetrics.of(registry).bindTo(meters);
        assertThat(gauge(meters, "reliability.retry.budget.tokens", "name", "shared"))
                .isEqualTo(1);

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> retry.run(() -> {
                        throw new IOException("down");
                    }))
                    .isInstanceOf(IOException.class);
        }

        assertThat(gauge(meters, "reliability.retry.budget.tokens", "name", "shared"))
                .isZero();
        assertThat(gauge(meters, "reliability.retry.budget.max.tokens", "name", "shared"))
                .isEqualTo(1);
        assertThat(counter(meters, "reliability.retry.budget.retries", "name", "shared", "outcome", "permitted"))
                .isEqualTo(1);
        assertThat(counter(meters, "reliability.retry.budget.retries", "name", "shared", "outcome", "rejected"))
                .isEqualTo(1);
        assertThat(counter(meters, "reliability.retry.rejected.retries", "name", "budgeted"))
                .isEqualTo(1);
        assertThat(counter(
                        meters,
                        "reliability.retry.calls",
                        "name",
                        "budgeted",
                        "outcome",
                        "failure",
                        "retried",
                        "false"))
                .isEqualTo(1);
    }

    @Test
    void membersCreatedAfterBindingGetTheirMeters() {
        ReliabilityMetrics.of(registry).bindTo(meters);
        assertThat(meters.getMeters()).isEmpty();

        registry.circuitBreaker("late").execute(() -> "ok");
        registry.retry("late", twoAttempts).execute(() -> "ok");
        registry.retryBudget("late", RetryBudget.ofDefaults());

        assertThat(counter(meters, "reliability.circuitbreaker.calls", "name", "late", "outcome", "success"))
                .isEqualTo(1);
        assertThat(counter(meters, "reliability.retry.calls", "name", "late", "outcome", "success", "retried", "false"))
                .isEqualTo(1);
        assertThat(gauge(meters, "reliability.retry.budget.tokens", "name", "late"))
                .isEqualTo(RetryBudget.DEFAULT_MAX_TOKENS);
    }

    @Test
    void aBreakerThatLeavesTheRegistryLosesItsMetersAndANewOneGetsFreshOnes() {
        ReliabilityMetrics.of(registry).bindTo(meters);
        registry.circuitBreaker("payments").execute(() -> "ok");

        registry.remove("payments");
        assertThat(meters.find("reliability.circuitbreaker.calls")
                        .tag("name", "payments")
                        .meters())
                .isEmpty();

        registry.circuitBreaker("payments");
        assertThat(counter(meters, "reliability.circuitbreaker.calls", "name", "payments", "outcome", "success"))
                .isZero();
    }

    @Test
    void anEvictedBreakerLosesItsMeters() {
        Registry bounded = Registry.builder().timeSource(time).maxBreakers(1).build();
        ReliabilityMetrics.of(bounded).bindTo(meters);

        bounded.circuitBreaker("first");
        bounded.circuitBreaker("second");

        assertThat(meters.find("reliability.circuitbreaker.state")
                        .tag("name", "first")
                        .meters())
                .isEmpty();
        assertThat(meters.find("reliability.circuitbreaker.state")
                        .tag("name", "second")
                        .meters())
                .hasSize(5);
    }

    @Test
    void extraTagsGoOnEveryMeterAndOneBinderServesSeveralMeterRegistries() {
        registry.circuitBreaker("payments");
        ReliabilityMetrics metrics = ReliabilityMetrics.of(registry, Tags.of("service", "shop"));
        SimpleMeterRegistry second = new SimpleMeterRegistry();

        metrics.bindTo(meters);
        metrics.bindTo(meters); // twice changes nothing
        registry.retry("inventory", twoAttempts);
        metrics.bindTo(second);
        registry.retryBudget("shared", RetryBudget.ofDefaults());

        for (MeterRegistry each : List.of(meters, second)) {
            assertThat(each.getMeters()).hasSize(11 + 6 + 4);
            assertThat(each.getMeters())
                    .allSatisfy(
                            meter -> assertThat(meter.getId().getTag("service")).isEqualTo("shop"));
        }
    }

    @Test
    void closingRemovesTheMetersAndStopsFollowing() {
        registry.circuitBreaker("payments");
        registry.retry("inventory", twoAttempts);
        ReliabilityMetrics metrics = ReliabilityMetrics.of(registry);
        metrics.bindTo(meters);
        assertThat(meters.getMeters()).hasSize(11 + 6);

        metrics.close();
        metrics.close();
        registry.circuitBreaker("late");

        assertThat(meters.getMeters()).isEmpty();
        assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the binder is closed");
    }

    @Test
    void readingMetersDoesNotChangeCounts() {
        Retry retry = registry.retry("inventory", twoAttempts);
        ReliabilityMetrics.of(registry).bindTo(meters);
        retry.execute(() -> "ok");

        for (Meter meter : meters.getMeters()) {
            meter.measure()
                    .forEach(measurement -> assertThat(measurement.getValue()).isNotNaN());
        }

        assertThat(retry.stats().calls()).isEqualTo(1);
    }

    @Test
    void argumentsAreChecked() {
        assertThatThrownBy(() -> ReliabilityMetrics.of(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("registry");
        assertThatThrownBy(() -> ReliabilityMetrics.of(registry, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("tags");
        assertThatThrownBy(() -> ReliabilityMetrics.of(registry).bindTo(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("meterRegistry");
        assertThat(ReliabilityMetrics.of(registry).toString()).startsWith("ReliabilityMetrics[Registry[");
    }
}
