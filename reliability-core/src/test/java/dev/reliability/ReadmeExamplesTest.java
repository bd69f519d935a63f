package dev.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.backoff.Backoff;
import dev.reliability.backoff.Jitter;
import dev.reliability.circuitbreaker.CallNotPermittedException;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.registry.Registry;
import dev.reliability.retry.Retry;
import dev.reliability.retry.RetryBudget;
import dev.reliability.retry.RetryPolicy;
import dev.reliability.testing.ManualTimeSource;
import dev.reliability.testing.ReadmeBlocks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The README's Java quick starts, compiled and run. The README copies the marked blocks. */
class ReadmeExamplesTest {

    static final class InventoryClient {
        private final AtomicInteger calls = new AtomicInteger();

        String fetch(String id) throws IOException {
            if (calls.incrementAndGet() < 3) {
                throw new IOException("connection reset");
            }
            return "item " + id;
        }
    }

    static final class AuthException extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void retryQuickStart() throws IOException {
        InventoryClient client = new InventoryClient();
        ManualTimeSource time = new ManualTimeSource();
        String id = "42";

        // README: retry
        RetryPolicy policy = RetryPolicy.builder()
                .maxAttempts(5) // total calls, the first included
                .backoff(Backoff.exponential(Duration.ofMillis(500), 2.0)
                        .withMaxDelay(Duration.ofSeconds(10))
                        .withJitter(Jitter.EQUAL))
                .retryOn(IOException.class)
                .abortOn(AuthException.class)
                .maxDuration(Duration.ofSeconds(30)) // deadline over all attempts and waits
                .budget(RetryBudget.ofDefaults()) // retries add at most 20 % to the traffic
                .build();
        Retry retry = Retry.of("inventory", policy, time, new SplittableRandom(1)); // or Retry.of(name, policy)
        String item = retry.execute(() -> client.fetch(id)); // rethrows the last IOException unchanged
        // README: end

        assertThat(item).isEqualTo("item 42");
        assertThat(time.sleeps()).hasSize(2);
    }

    static final class ExternalApi {
        int calls;

        String fetch() throws IOException {
            calls++;
            throw new IOException("503 from upstream");
        }
    }

    @Test
    void circuitBreakerQuickStart() {
        ExternalApi api = new ExternalApi();
        ManualTimeSource time = new ManualTimeSource();

        // README: breaker
        CircuitBreakerConfig config = CircuitBreakerConfig.builder()
                .failureThreshold(3) // consecutive failures to open; default 5
                .openDuration(Duration.ofSeconds(30)) // default 60 s
                .successThreshold(2) // half-open successes to close; default 1
                .build();
        Registry registry = Registry.builder().timeSource(time).build(); // breakers read time from their registry
        CircuitBreaker breaker = registry.circuitBreaker("external_api", config); // get or create by name
        for (int i = 0; i < 3; i++) {
            try {
                breaker.execute(api::fetch); // the IOException passes through unchanged and is counted
            } catch (IOException failure) {
                // handled by the caller as usual
            }
        }
        // Now OPEN: execute throws CallNotPermittedException (no stack trace, cheap) without calling the api.
        // README: end

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        assertThatThrownBy(() -> breaker.execute(api::fetch))
                .isInstanceOf(CallNotPermittedException.class)
                .hasMessageContaining("external_api");
        assertThat(api.calls).isEqualTo(3);
        time.advance(Duration.ofSeconds(30));
        assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    }

    @Test
    void theReadmeQuotesTheseExamplesVerbatim() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String source = Files.readString(Path.of("src/test/java/dev/reliability/ReadmeExamplesTest.java"));

        for (String block : ReadmeBlocks.in(source)) {
            assertThat(readme).contains(block);
        }
        assertThat(ReadmeBlocks.in(source)).isNotEmpty();
    }
}
