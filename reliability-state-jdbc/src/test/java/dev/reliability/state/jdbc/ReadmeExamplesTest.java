package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.registry.Registry;
import dev.reliability.registry.SharingPolicy;
import dev.reliability.state.StateStore;
import dev.reliability.state.StateValue;
import dev.reliability.testing.ReadmeBlocks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's JDBC examples, compiled and run on H2 in memory and the embedded SQLite file. The README copies the marked blocks. */
class ReadmeExamplesTest {
    @Test
    void jdbcStoreExample(@TempDir Path dir) {
        DataSource dataSource = new UrlDataSource("jdbc:h2:mem:readme;DB_CLOSE_DELAY=-1");

        StateStore shared = JdbcStateStore.builder(dataSource).build(); // dialect detected, tables created if missing
        StateStore local = JdbcStateStore.embedded(dir.resolve("state")); // an SQLite file other processes can open too
        long hits = shared.increment("hits", 1);
        shared.set("greeting", StateValue.of("hello"), Duration.ofMinutes(5));

        assertThat(hits).isEqualTo(1);
        assertThat(shared.get("greeting")).contains(StateValue.of("hello"));
        local.set("k", StateValue.of(true));
        assertThat(local.get("k")).contains(StateValue.of(true));
        shared.close();
        local.close();
    }

    @Test
    void pooledStoreExample() {
        String url = "jdbc:h2:mem:readme_pooled;DB_CLOSE_DELAY=-1";
        long hits;

        try (JdbcStateStore store = JdbcStateStore.builderForUrl(url).build()) { // opens a HikariCP pool
            store.increment("hits", 1); // borrows a pooled connection and returns it
            hits = store.increment("hits", 1);
        } // closes the pool and its connections

        assertThat(hits).isEqualTo(2);
        JdbcStateStore closed = JdbcStateStore.builderForUrl(url).build();
        closed.close();
        assertThatThrownBy(() -> closed.increment("hits", 1)).isInstanceOf(IllegalStateException.class);
    }

    /** Stands in for a remote payment service that is down. */
    static final class Payments {
        @SuppressWarnings("DoNotCallSuggester") // a service that is down: failing is all it does
        String charge(String order) throws IOException {
            throw new IOException("payment service unavailable for " + order);
        }
    }

    @Test
    void sharedBreakerQuickStart(@TempDir Path dir) {
        Payments payments = new Payments();
        String order = "order-1";
        CircuitBreakerConfig config = CircuitBreakerConfig.builder()
                .failureThreshold(1)
                .openDuration(Duration.ofSeconds(30))
                .build();

        // README: shared
        StateStore store = JdbcStateStore.embedded(dir.resolve("breakers")); // or JdbcStateStore.builder(dataSource)
        Registry registry = Registry.builder()
                .stateStore(store) // breakers survive restarts and are shared by every JVM on this store
                .sharingPolicy(SharingPolicy.ANY_NODE) // the default; or SharingPolicy.quorum(2), LOCAL_ONLY
                .syncInterval(Duration.ofSeconds(1)) // re-read every record once a second, in one batched read
                .build();
        CircuitBreaker breaker = registry.circuitBreaker("payments", config);
        try {
            breaker.execute(() -> payments.charge(order)); // CallNotPermittedException while open
        } catch (IOException e) {
            // counted at once; the registry's sync worker writes it to the store within the flush delay (10 ms)
        }
        registry.close(); // on shutdown: writes what is still queued, then stops the sync worker
        // README: end

        assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
        try (Registry restarted = Registry.builder().stateStore(store).build()) {
            assertThat(restarted.circuitBreaker("payments", config).state()).isEqualTo(CircuitState.OPEN);
        }
        store.close();
    }

    @Test
    void theReadmeQuotesTheseExamplesVerbatim() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String source = Files.readString(Path.of("src/test/java/dev/reliability/state/jdbc/ReadmeExamplesTest.java"));

        List<String> blocks = ReadmeBlocks.in(source);
        assertThat(blocks).isNotEmpty();
        for (String block : blocks) {
            assertThat(readme).contains(block);
        }
    }

    @Test
    void theReadmeShowsEachDialectsSchemaVerbatim() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (SqlDialect dialect : SqlDialect.values()) {
            String schema = Files.readString(
                    Path.of("src/main/resources/dev/reliability/state/jdbc/schema-" + dialect.id() + ".sql"));
            assertThat(readme).as(dialect.id()).contains(schema.strip());
        }
    }
}
