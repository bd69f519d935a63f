package dev.reliability.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.registry.Registry;
import dev.reliability.retry.Retry;
import dev.reliability.retry.RetryPolicy;
import dev.reliability.retry.RetryStats;
import dev.reliability.testing.ReadmeBlocks;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's Micrometer example, compiled and run. The README copies the marked block. */
class ReadmeExamplesTest {

    @Test
    void micrometerQuickStart() {
        MeterRegistry meterRegistry = new SimpleMeterRegistry();

        // README: micrometer
        Registry registry = Registry.builder().build();
        ReliabilityMetrics.of(registry, Tags.of("service", "shop")).bindTo(meterRegistry);
        Retry retry = registry.retry("inventory", RetryPolicy.ofDefaults()); // retries have a home in the registry too
        CircuitBreaker breaker = registry.circuitBreaker("payments"); // created after binding: metered as well
        String item = retry.execute(() -> breaker.execute(() -> "item 42"));
        RetryStats stats = retry.stats(); // the same counts, read in Java
        // README: end

        assertThat(item).isEqualTo("item 42");
        assertThat(stats.succeededWithoutRetry()).isEqualTo(1);
        assertThat(meterRegistry
                        .get("reliability.retry.calls")
                        .tags("name", "inventory", "outcome", "success", "retried", "false", "service", "shop")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
        assertThat(meterRegistry
                        .get("reliability.circuitbreaker.calls")
                        .tags("name", "payments", "outcome", "success")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void theReadmeQuotesThisExampleVerbatim() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String source = Files.readString(Path.of("src/test/java/dev/reliability/micrometer/ReadmeExamplesTest.java"));

        List<String> blocks = ReadmeBlocks.in(source);
        assertThat(blocks).hasSize(1);
        for (String block : blocks) {
            assertThat(readme).contains(block);
        }
    }
}
