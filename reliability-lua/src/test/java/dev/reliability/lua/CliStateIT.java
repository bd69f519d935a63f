package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reliability.state.StateStore;
import dev.reliability.state.jdbc.JdbcStateStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
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
            String message = "database not reachable at " + url.split("\\?")[0] + ": " + unreachable.getMessage();
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

    @Test
    void anOpenBreakerSurvivesInTheDefaultH2File() throws Exception {
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
