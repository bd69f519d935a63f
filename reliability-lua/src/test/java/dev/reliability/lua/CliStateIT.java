package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.state.StateStore;
import dev.reliability.state.jdbc.JdbcStateStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI with {@code --state} pointing at a real database: state written by one run is read by the next. */
class CliStateIT {
    private static final String PG_URL =
            System.getenv().getOrDefault("RELIABILITY_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    private static final String MARIADB_URL =
            System.getenv().getOrDefault("RELIABILITY_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/test?user=root");

    @TempDir
    Path home;

    /** Skips with a visible message when the server is absent, unless RELIABILITY_REQUIRE_DATABASES=1. */
    private static void requireServer(String url) {
        try (Connection connection = DriverManager.getConnection(url)) {
            assertThat(connection.isValid(5)).isTrue();
        } catch (SQLException unreachable) {
            String message = "database not reachable at " + url.split("\\?", 2)[0] + ": " + unreachable.getMessage();
            if ("1".equals(System.getenv("RELIABILITY_REQUIRE_DATABASES"))) {
                throw new AssertionError(message + " (RELIABILITY_REQUIRE_DATABASES=1)", unreachable);
            }
            Assumptions.abort(message + "; skipped");
        }
    }

    private void paymentStateSurvivesTwoRuns(String url) throws Exception {
        requireServer(url);
        try (StateStore store = JdbcStateStore.builderForUrl(url).build()) {
            store.clear("payment_example_runs");
            store.clear("failures:payment_service");
        }
        CliJar cli = new CliJar(home);
        String script = CliJar.EXAMPLES.resolve("payment_with_state.lua").toString();

        CliJar.Result first = cli.run("--state", url, script);
        CliJar.Result second = cli.run("--state", url, script);

        assertThat(first.exitCode()).as(first.stderr()).isZero();
        assertThat(second.exitCode()).as(second.stderr()).isZero();
        assertThat(first.stderr()).contains("runs_so_far=1");
        assertThat(second.stderr()).contains("runs_so_far=2");
    }

    private void anOpenBreakerSurvivesTheProcess(String... state) throws Exception {
        CliJar cli = new CliJar(home);
        String[] args = java.util.stream.Stream.concat(
                        java.util.Arrays.stream(state), java.util.stream.Stream.of(BREAKER_SCRIPT.toString()))
                .toArray(String[]::new);

        CliJar.Result first = cli.run(args);
        CliJar.Result second = cli.run(args);

        assertThat(first.exitCode()).as(first.stderr()).isZero();
        assertThat(second.exitCode()).as(second.stderr()).isZero();
        assertThat(first.stderr()).contains("INFO breaker after this run fn_calls=2 state=open");
        assertThat(second.stderr()).contains("INFO breaker after this run fn_calls=0 state=open");
    }

    private static final Path BREAKER_SCRIPT = Path.of("src", "test", "resources", "lua", "breaker_across_runs.lua");
    private static final Path COUNT_SCRIPT = Path.of("src", "test", "resources", "lua", "count_to.lua");

    @Test
    void twoRunsAtOnceOnTheDefaultFileKeepAnExactCount() throws Exception {
        CliJar cli = new CliJar(home);
        CompletableFuture<CliJar.Result> first = CompletableFuture.supplyAsync(() -> count(cli, 2_000));
        CliJar.Result second = count(cli, 2_000);

        assertThat(first.get().exitCode()).as(first.get().stderr()).isZero();
        assertThat(second.exitCode()).as(second.stderr()).isZero();
        assertThat(count(cli, 1).stdout().strip()).isEqualTo("4001");
    }

    private static CliJar.Result count(CliJar cli, int times) {
        try {
            return cli.run(COUNT_SCRIPT.toString(), Integer.toString(times));
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aDamagedDefaultFileIsNamedWithWhatToDoAndLeftAsItWas() throws Exception {
        Path file = home.resolve(".reliability").resolve("state.db");
        Files.createDirectories(file.getParent());
        byte[] garbage =
                "not a database, as a damaged disk might leave it".repeat(200).getBytes(StandardCharsets.UTF_8);
        Files.write(file, garbage);

        CliJar.Result result = new CliJar(home).run(COUNT_SCRIPT.toString(), "1");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stdout()).isEmpty();
        assertThat(result.stderr())
                .startsWith("reliability-lua: cannot open the state file " + file + ": ")
                .contains("move it aside (mv '" + file + "' '" + file + ".broken'")
                .doesNotContain("null");
        assertThat(Files.readAllBytes(file)).isEqualTo(garbage);
    }

    @Test
    void theEarlierDefaultH2FileIsMigratedOnTheFirstRun() throws Exception {
        Path base = home.resolve(".reliability").resolve("state");
        Files.createDirectories(base.getParent());
        try (StateStore h2 =
                JdbcStateStore.builderForUrl("jdbc:h2:file:" + base).build()) {
            h2.increment("cli_counter", 41);
        }

        CliJar.Result result = new CliJar(home).run(COUNT_SCRIPT.toString(), "1");

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout().strip()).isEqualTo("42");
        assertThat(result.stderr()).contains("INFO migrated 1 values from the state file " + base + ".mv.db");
        assertThat(base.resolveSibling("state.mv.db")).doesNotExist();
        assertThat(base.resolveSibling("state.mv.db.migrated")).exists();
    }

    @Test
    void anOpenBreakerSurvivesInTheDefaultFile() throws Exception {
        anOpenBreakerSurvivesTheProcess();
    }

    @Test
    void anOpenBreakerSurvivesOnPostgresql() throws Exception {
        requireServer(PG_URL);
        try (StateStore store = JdbcStateStore.builderForUrl(PG_URL).build()) {
            store.clear("*payments_api*");
        }
        anOpenBreakerSurvivesTheProcess("--state", PG_URL);
    }

    @Test
    void stateSurvivesOnPostgresql() throws Exception {
        paymentStateSurvivesTwoRuns(PG_URL);
    }

    @Test
    void stateSurvivesOnMariadb() throws Exception {
        paymentStateSurvivesTwoRuns(MARIADB_URL);
    }

    @Test
    void memoryStateLastsOneRun() throws Exception {
        CliJar cli = new CliJar(home);
        String script = CliJar.EXAMPLES.resolve("payment_with_state.lua").toString();

        CliJar.Result first = cli.run("--state", "memory", script);
        CliJar.Result second = cli.run("--state", "memory", script);

        assertThat(first.stderr()).contains("runs_so_far=1");
        assertThat(second.stderr()).contains("runs_so_far=1");
    }

    @Test
    void anUnreachableStateIsAUsageError() throws Exception {
        CliJar.Result result =
                new CliJar(home).run("--state", "jdbc:postgresql://127.0.0.1:1/none?connectTimeout=2", "x.lua");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).startsWith("reliability-lua: cannot ");
    }
}
