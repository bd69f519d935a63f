package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every example of the seed's guide, as a script run by the packaged CLI jar with the default embedded state. */
class SeedExamplesIT {
    @TempDir
    Path home;

    private CliJar.Result example(String name, String... args) throws Exception {
        String[] command = Stream.concat(Stream.of(CliJar.EXAMPLES.resolve(name).toString()), Stream.of(args))
                .toArray(String[]::new);
        CliJar.Result result = new CliJar(home).run(command);
        assertThat(result.exitCode())
                .as("exit code of %s; stderr:%n%s", name, result.stderr())
                .isZero();
        return result;
    }

    @Test
    void everyExampleScriptIsTested() throws IOException {
        try (Stream<Path> scripts = Files.list(CliJar.EXAMPLES)) {
            assertThat(scripts.map(path -> path.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            "simple_retry.lua",
                            "advanced_retry.lua",
                            "custom_delay.lua",
                            "circuit_breaker.lua",
                            "monitoring.lua",
                            "payment_with_state.lua",
                            "lock_with_retry.lua",
                            "deployment.lua",
                            "health_check.lua");
        }
    }

    @Test
    void simpleRetry() throws Exception {
        CliJar.Result result = example("simple_retry.lua");

        assertThat(result.stderr()).containsAnyOf("INFO Operation succeeded: Success!", "ERROR All retries failed");
    }

    @Test
    void advancedRetry() throws Exception {
        CliJar.Result result = example("advanced_retry.lua");

        assertThat(result.stderr())
                .contains("WARN Retry attempt 1 in ", "s: connection reset (call 1)")
                .contains("WARN Retry attempt 2 in ", "s: connection reset (call 2)")
                .contains("INFO advanced retry finished calls=3 result=\"payload from call 3\"");
    }

    @Test
    void customDelayAndErrorPredicate() throws Exception {
        CliJar.Result result = example("custom_delay.lua");

        assertThat(result.stderr())
                .contains("INFO retry 1 after 0.01s: network timeout on call 1")
                .contains("INFO retry 4 after 0.05s: network timeout on call 4")
                .contains("INFO custom delay and predicate examples finished");
    }

    @Test
    void circuitBreakerOpensOnAnUnreachableService() throws Exception {
        CliJar.Result result = example("circuit_breaker.lua");

        assertThat(result.stderr()).contains("INFO Circuit breaker: closed -> open", "INFO external_api is open");
    }

    @Test
    void monitoring() throws Exception {
        CliJar.Result result = example("monitoring.lua");

        assertThat(result.stderr())
                .contains("INFO Circuit state: closed")
                .contains("INFO Total requests: 4")
                .contains("INFO Success rate: 75%")
                .contains("INFO Circuit: my_service", "INFO Circuit: service_name")
                .contains("INFO Service metrics circuit_state=closed failure_count=2 success_rate=100");
    }

    @Test
    void paymentStateSurvivesFromOneRunToTheNext() throws Exception {
        CliJar.Result first = example("payment_with_state.lua");
        CliJar.Result second = example("payment_with_state.lua");

        assertThat(first.stderr()).contains("INFO payment accepted api_calls=2 runs_so_far=1");
        assertThat(second.stderr()).contains("INFO payment accepted api_calls=2 runs_so_far=2");
        assertThat(home.resolve(".reliability").resolve("state.db")).exists();
    }

    @Test
    void lockWithRetry() throws Exception {
        CliJar.Result result = example("lock_with_retry.lua");

        assertThat(result.stderr()).contains("INFO critical section done total=1");
    }

    @Test
    void deploymentWithBreakerRetryAndState() throws Exception {
        CliJar.Result result = example("deployment.lua");

        assertThat(result.stderr())
                .contains("INFO deployment completed log=\"deploy retry 1: artifact upload interrupted\"");
    }

    @Test
    void healthCheckAgainstARealServer() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(8080), 0);
        server.createContext("/health", exchange -> {
            byte[] body = "OK".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            CliJar.Result result = example("health_check.lua");

            assertThat(result.stderr()).contains("INFO service healthy body=OK");
        } finally {
            server.stop(0);
        }
    }
}
