package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.circuitbreaker.CallNotPermittedException;
import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitBreakerConfig;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.registry.Registry;
import dev.reliability.state.StateStoreException;
import dev.reliability.state.StateValue;
import dev.reliability.state.VersionedValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link JdbcStateStore#embedded(Path)}: the SQLite file, a file that cannot be opened, and the H2 file it replaces. */
class EmbeddedStoreTest {
    @TempDir
    Path dir;

    private static final CircuitBreakerConfig ONE_FAILURE_OPENS_FOR_A_MINUTE = CircuitBreakerConfig.builder()
            .failureThreshold(1)
            .openDuration(Duration.ofMinutes(1))
            .build();

    @Test
    void opensAnSqliteFileThatASecondStoreSharesAndThatKeepsItsValues() {
        Path file = dir.resolve("state");
        try (JdbcStateStore first = JdbcStateStore.embedded(file);
                JdbcStateStore second = JdbcStateStore.embedded(file)) {
            first.set("breaker", StateValue.of("open"));
            assertThat(second.get("breaker")).contains(StateValue.of("open"));
            assertThat(first.increment("n", 1)).isEqualTo(1);
            assertThat(second.increment("n", 1)).isEqualTo(2);
            assertThat(first.dialect()).isEqualTo(SqlDialect.SQLITE);
            assertThat(first.timeMode()).isEqualTo(TimeMode.CLIENT);
        }
        try (JdbcStateStore reopened = JdbcStateStore.embedded(file)) {
            assertThat(reopened.get("breaker")).contains(StateValue.of("open"));
            assertThat(reopened.increment("n", 1)).isEqualTo(3);
        }
        assertThat(dir.resolve("state.db")).exists();
        assertThat(dir.resolve("state.mv.db")).doesNotExist();
    }

    /** Fills {@code file} with random bytes, as a damaged disk or another program might leave it. */
    private static byte[] garbage(Path file) throws IOException {
        byte[] garbage = new byte[8192];
        new Random(file.getFileName().toString().hashCode()).nextBytes(garbage);
        Files.write(file, garbage);
        return garbage;
    }

    @Test
    void aDamagedFileIsNamedWithWhatToDoAndLeftAsItWas() throws IOException {
        Path db = dir.resolve("state.db");
        byte[] garbage = garbage(db);

        assertThatThrownBy(() -> JdbcStateStore.embedded(dir.resolve("state")))
                .isInstanceOf(StateStoreException.class)
                .hasMessageStartingWith("cannot open the state file " + db + ": ")
                .hasMessageContaining("not a database")
                .hasMessageContaining("Nothing was changed")
                .hasMessageContaining("move it aside (mv '" + db + "' '" + db + ".broken'");
        assertThat(Files.readAllBytes(db)).isEqualTo(garbage);
    }

    @Test
    void aDirectoryThatIsNotThereIsNamed() {
        Path missing = dir.resolve("no/such/dir/state");
        assertThatThrownBy(() -> JdbcStateStore.embedded(missing))
                .isInstanceOf(StateStoreException.class)
                .hasMessageStartingWith("cannot open the state file " + missing + ".db: ")
                .hasMessageContaining("Check that its directory exists");
    }

    /** Writes state the way the earlier default did: an H2 file, client time, the default tables. */
    private static JdbcStateStore earlierH2Default(Path base) {
        return JdbcStateStore.builder(new UrlDataSource("jdbc:h2:file:" + base))
                .dialect(SqlDialect.H2)
                .build();
    }

    @Test
    void anEarlierH2FileIsMigratedOnceWithVersionsTtlsAndBreakersThenRenamedAside() {
        Path base = dir.resolve("state");
        VersionedValue counter;
        try (JdbcStateStore h2 = earlierH2Default(base)) {
            h2.increment("runs", 41);
            h2.increment("runs", 1);
            h2.set("session", StateValue.of("abc"), Duration.ofHours(1));
            h2.set("gone", StateValue.of(true), Duration.ofMillis(1));
            h2.listPush("queue", StateValue.of("job"));
            assertThat(h2.tryLock("nightly", "host/1", Duration.ofHours(1))).isTrue();
            try (Registry registry = Registry.builder().stateStore(h2).build()) {
                CircuitBreaker breaker = registry.circuitBreaker("payments", ONE_FAILURE_OPENS_FOR_A_MINUTE);
                assertThat(breaker.tryAcquirePermission()).isTrue();
                breaker.onError(0, new IOException("down"));
                assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
            } // closing writes the open, queued for the flush delay, before the store closes
            counter = h2.getVersioned("runs").orElseThrow();
        }

        try (JdbcStateStore store = JdbcStateStore.embedded(base)) {
            assertThat(store.getVersioned("runs")).contains(counter);
            assertThat(store.get("session")).contains(StateValue.of("abc"));
            assertThat(store.getTtl("session"))
                    .hasValueSatisfying(ttl -> assertThat(ttl).isBetween(Duration.ofMinutes(50), Duration.ofHours(1)));
            assertThat(store.exists("gone")).isFalse();
            assertThat(store.listPop("queue")).contains(StateValue.of("job"));
            assertThat(store.tryLock("nightly", "host/2", Duration.ofHours(1))).isFalse();
            try (Registry registry = Registry.builder().stateStore(store).build()) {
                CircuitBreaker restored = registry.circuitBreaker("payments", ONE_FAILURE_OPENS_FOR_A_MINUTE);
                assertThat(restored.state()).isEqualTo(CircuitState.OPEN);
                assertThatThrownBy(() -> restored.run(() -> {}))
                        .isInstanceOfSatisfying(CallNotPermittedException.class, e -> assertThat(e.retryAfter())
                                .isBetween(Duration.ofSeconds(30), Duration.ofMinutes(1)));
            }
            store.increment("runs", 1);
        }
        assertThat(base.resolveSibling("state.mv.db")).doesNotExist();
        assertThat(base.resolveSibling("state.mv.db.migrated")).exists();

        try (JdbcStateStore again = JdbcStateStore.embedded(base)) {
            assertThat(again.get("runs")).contains(StateValue.of(43L));
        }
    }

    @Test
    void anH2FileFoundAgainAfterTheMigrationIsMovedAsideWithoutOverwritingAnything() throws IOException {
        Path base = dir.resolve("state");
        try (JdbcStateStore h2 = earlierH2Default(base)) {
            h2.set("k", StateValue.of("old"));
        }
        try (JdbcStateStore store = JdbcStateStore.embedded(base)) {
            store.set("k", StateValue.of("new"));
        }
        // As after a crash between the copy's commit and the rename, or an old file restored by hand.
        Files.copy(base.resolveSibling("state.mv.db.migrated"), base.resolveSibling("state.mv.db"));

        try (JdbcStateStore store = JdbcStateStore.embedded(base)) {
            assertThat(store.get("k")).contains(StateValue.of("new"));
        }
        assertThat(base.resolveSibling("state.mv.db")).doesNotExist();
        assertThat(base.resolveSibling("state.mv.db.migrated.2")).exists();
    }

    @Test
    void aDamagedH2FileStopsTheOpeningAndIsLeftAsItWas() throws IOException {
        Path h2File = dir.resolve("state.mv.db");
        byte[] garbage = garbage(h2File);

        assertThatThrownBy(() -> JdbcStateStore.embedded(dir.resolve("state")))
                .isInstanceOf(StateStoreException.class)
                .hasMessageStartingWith("cannot migrate the state file " + h2File + " of an earlier version (H2)")
                .hasMessageContaining("It was left as it was")
                .hasMessageContaining("org.h2.tools.Recover")
                .hasMessageContaining("move it aside (mv '" + h2File + "' '" + h2File + ".broken')");
        assertThat(Files.readAllBytes(h2File)).isEqualTo(garbage);
        assertThat(dir.resolve("state.mv.db.migrated")).doesNotExist();
    }
}
