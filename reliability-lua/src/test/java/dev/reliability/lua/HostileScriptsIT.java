package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and careless scripts, run through the CLI jar as a user would: each one ends within its limit, with exit
 * status 1 and a Lua-style message, and a limit is never swallowed. Small limits keep the suite fast.
 */
@Timeout(60)
class HostileScriptsIT {
    private static final String LIMIT = "2000000";

    @TempDir
    Path home;

    private HttpServer server;

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext(
                "/slow",
                exchange -> { // headers at once, then one byte per second
                    exchange.sendResponseHeaders(200, 0);
                    try (OutputStream body = exchange.getResponseBody()) {
                        for (int i = 0; i < 120; i++) {
                            body.write('x');
                            body.flush();
                            Thread.sleep(1000);
                        }
                    } catch (Exception closedByClient) {
                        // the client gave up, as it should
                    }
                });
        server.createContext(
                "/huge",
                exchange -> { // an endless body
                    exchange.sendResponseHeaders(200, 0);
                    byte[] chunk = new byte[64 * 1024];
                    try (OutputStream body = exchange.getResponseBody()) {
                        for (int i = 0; i < 1_000_000; i++) {
                            body.write(chunk);
                        }
                    } catch (Exception closedByClient) {
                        // the client gave up, as it should
                    }
                });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private CliJar.Result run(List<String> jvmOptions, String script, String... options) throws Exception {
        Path file = Files.writeString(home.resolve("hostile.lua"), script, StandardCharsets.UTF_8);
        String[] args = new String[options.length + 1];
        System.arraycopy(options, 0, args, 0, options.length);
        args[options.length] = file.toString();
        return new CliJar(home).runWith(jvmOptions, args);
    }

    private CliJar.Result run(String script, String... options) throws Exception {
        return run(List.of(), script, options);
    }

    /**
     * Runs in this JVM, through the CLI's own entry point (a JVM start per case would cost more than the cases), with
     * small limits, and checks the script ended in time with status 1 and a message naming it.
     */
    private String fails(String script, String... extraOptions) throws Exception {
        Path file = Files.writeString(home.resolve("hostile.lua"), script, StandardCharsets.UTF_8);
        List<String> args =
                new java.util.ArrayList<>(List.of("--state", "memory", "--instruction-limit", LIMIT, "--timeout", "5"));
        args.addAll(List.of(extraOptions));
        args.add(file.toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long start = System.nanoTime();
        int status = Main.run(
                args.toArray(String[]::new),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(status).as(stderr).isEqualTo(1);
        assertThat(stderr).startsWith(file + ":").doesNotContain("java.", "Exception");
        return stderr;
    }

    @Test
    void theIssuesListenerLoopEndsTheRunThroughTheJar() throws Exception {
        CliJar.Result result = run(
                "return reliability.circuit_breaker('sw', {max_failures = 1,"
                        + " on_state_change = function() while true do end end}, function() error('x') end)",
                "--state",
                "memory",
                "--instruction-limit",
                LIMIT);

        assertThat(result.exitCode()).as(result.stderr()).isEqualTo(1);
        assertThat(result.stderr())
                .isEqualTo(home.resolve("hostile.lua") + ": instruction limit of " + LIMIT + " exceeded\n");
    }

    @Test
    void aLimitHitInsideTheBreakersFailureHandlingEndsTheRun() throws Exception {
        String breaker = "return reliability.circuit_breaker('sw', {max_failures = 1, on_state_change = %s},"
                + " function() error('x') end)";

        assertThat(fails(breaker.formatted("function() while true do end end")))
                .contains("instruction limit of " + LIMIT + " exceeded");
        assertThat(fails(breaker.formatted("function() local function f() return 1 + f() end return f() end")))
                .contains("stack overflow");
        assertThat(fails("local ok = pcall(function() " + breaker.formatted("function() while true do end end")
                        + " end) return 'escaped'"))
                .contains("instruction limit");
    }

    @Test
    void outOfMemoryInAListenerEndsTheRun() throws Exception {
        Path file = Files.writeString(
                home.resolve("hostile.lua"),
                "return reliability.circuit_breaker('sw', {max_failures = 1, on_state_change = function()"
                        + " local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(1e6) .. i end end},"
                        + " function() error('x') end)");
        CliJar.Result result =
                new CliJar(home).runWith(List.of("-Xmx96m"), "--state", "memory", "--timeout", "20", file.toString());

        assertThat(result.exitCode()).as(result.stderr()).isEqualTo(1);
        assertThat(result.stderr()).contains("memory limit exceeded");

        // One '..' could double a string past the heap between two periodic checks: it is checked before it copies
        Files.writeString(file, "local s = ('x'):rep(2^23) while true do s = s .. s end");
        CliJar.Result doubling = new CliJar(home).runWith(List.of("-Xmx96m"), "--state", "memory", file.toString());

        assertThat(doubling.exitCode()).as(doubling.stderr()).isEqualTo(1);
        assertThat(doubling.stderr()).contains("memory limit exceeded: ").contains("MiB of heap would be in use");
    }

    @Test
    void aLimitHoldsUnderPcall() throws Exception {
        assertThat(fails("local ok = pcall(function() while true do end end) return 'escaped'"))
                .contains("instruction limit");
        assertThat(fails("local ok = pcall(string.find, string.rep('a', 3000), '.-.-.-.-b') return 'escaped'"))
                .contains("instruction limit");
    }

    @Test
    void workInsideLibraryCallsIsCharged() throws Exception {
        assertThat(fails("return string.find(string.rep('a', 3000), '.-.-.-.-b')"))
                .contains("instruction limit");
        assertThat(fails("while true do string.rep('', 1e300) end")).contains("instruction limit");
        assertThat(fails("while true do collectgarbage() end")).contains("instruction limit");
        assertThat(fails("local s = ('x'):rep(16 * 2^20 - 1) while true do local u = s:upper() end"))
                .contains("instruction limit");
        assertThat(fails("local s = ('x'):rep(2^20) while true do local u = s:gsub('x', 'yy') end"))
                .contains("instruction limit");
        assertThat(fails("local s = ('x'):rep(2^15):gsub('x', ('y'):rep(1000)) return s", "--instruction-limit", "0"))
                .contains("gsub: result of ")
                .contains(" bytes exceeds the size limit of 16777216 bytes");
        assertThat(fails("local s = ('x'):rep(2^22) local r = string.format('%s%s%s%s%s', s, s, s, s, s) return r"))
                .contains("format: result of");
    }

    @Test
    void aPathologicalGlobMatchesQuickly() throws Exception {
        assertThat(fails("state.set('p' .. ('a'):rep(240), 1)"
                        + " for i = 1, 1000 do assert(#state.keys('p' .. ('*a'):rep(12) .. '*b') == 0) end"
                        + " error('done')"))
                .endsWith(":1: done\n");
    }

    @Test
    void theWallClockLimitEndsWaits() throws Exception {
        assertThat(fails(
                        "return reliability.retry_with_config({strategy = 'linear', initial_delay = 9e9,"
                                + " max_delay = 9e9}, function() return nil, 'down' end)",
                        "--timeout",
                        "1"))
                .contains("time limit of 1s exceeded");
        assertThat(fails("local r, err = http.get('" + url("/slow") + "', {timeout = 30}) return r", "--timeout", "2"))
                .contains("time limit of 2s exceeded");
    }

    @Test
    void anHttpTimeoutCoversTheBodyAndTheBodyIsCapped() throws Exception {
        assertThat(fails("local r, err = http.get('" + url("/slow") + "', {timeout = 1}) error(err)"))
                .contains("timed out after 1s");
        assertThat(fails("local r, err = http.get('" + url("/huge") + "') error(err)", "--http-body-limit", "100000"))
                .contains("response body larger than the limit of 100000 bytes");
    }

    @Test
    void aRunStoppedByALimitReleasesItsLocks() throws Exception {
        CliJar.Result stopped = run("state.lock('job', 1) while true do end", "--instruction-limit", LIMIT);
        CliJar.Result next = run("print(state.try_lock('job', 5))", "--instruction-limit", LIMIT);

        assertThat(stopped.exitCode()).as(stopped.stderr()).isEqualTo(1);
        assertThat(next.exitCode()).as(next.stderr()).isZero();
        assertThat(next.stdout()).isEqualTo("true\n");
    }

    @Test
    void passwordsInAStateUrlAreNeverPrinted() throws Exception {
        for (String state : List.of(
                "jdbc:postgresql://127.0.0.1:1/none?password=S3cretPW",
                "jdbc:mariadb://root:S3cretPW@127.0.0.1:1/none")) {
            CliJar.Result result = run("return 1", "--state", state);

            assertThat(result.exitCode()).isEqualTo(2);
            assertThat(result.stderr()).contains("cannot open state").doesNotContain("S3cretPW");
        }
    }
}
