package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.state.StateStore;
import dev.reliability.state.StateValue;
import java.nio.file.Path;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's JDBC state store example, compiled and run on H2. */
class ReadmeExamplesTest {
    @Test
    void jdbcStoreExample(@TempDir Path dir) {
        DataSource dataSource = new UrlDataSource("jdbc:h2:mem:readme;DB_CLOSE_DELAY=-1");

        StateStore shared = JdbcStateStore.builder(dataSource).build(); // dialect detected, tables created if missing
        StateStore local = JdbcStateStore.embedded(dir.resolve("state")); // an H2 file another JVM can open too
        long hits = shared.increment("hits", 1);
        shared.set("greeting", StateValue.of("hello"), Duration.ofMinutes(5));

        assertThat(hits).isEqualTo(1);
        assertThat(shared.get("greeting")).contains(StateValue.of("hello"));
        local.set("k", StateValue.of(true));
        assertThat(local.get("k")).contains(StateValue.of(true));
        shared.close();
        local.close();
    }
}
