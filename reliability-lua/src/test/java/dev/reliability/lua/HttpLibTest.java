package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

class HttpLibTest {
    private final LuaHarness lua = new LuaHarness(ReliabilityLua.builder().http(true));
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;
    private String base;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
        server.createContext("/health", exchange -> respond(exchange, 200, "OK"));
        server.createContext("/missing", exchange -> respond(exchange, 404, "not here"));
        server.createContext("/echo", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            exchange.getResponseHeaders()
                    .add("X-Seen", exchange.getRequestHeaders().getFirst("X-Token"));
            respond(exchange, 201, exchange.getRequestMethod() + " " + body);
        });
        server.createContext("/bytes", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/slow", exchange -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(exchange, 200, "late");
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.stop(0);
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Test
    void bodiesKeepTheirBytes() {
        Varargs result = lua.run("local body = '\\xff\\0\\xf0\\x9f\\x98\\x80\\xe0'\n"
                + "local r = http.post('" + base + "/bytes', body)\n"
                + "return r.body == body, #r.body");

        assertThat(result.toboolean(1)).isTrue();
        assertThat(result.toint(2)).isEqualTo(7);
    }

    @Test
    void getReturnsStatusBodyAndHeaders() {
        Varargs result = lua.run(
                "local r = http.get('" + base + "/health'); return r.status, r.body," + " r.headers['content-length']");

        assertThat(result.toint(1)).isEqualTo(200);
        assertThat(result.tojstring(2)).isEqualTo("OK");
        assertThat(result.tojstring(3)).isEqualTo("2");
    }

    @Test
    void aNon2xxStatusIsReturnedNotRaised() {
        Varargs result = lua.run("local r = http.get('" + base + "/missing'); return r.status, r.body");

        assertThat(result.toint(1)).isEqualTo(404);
        assertThat(result.tojstring(2)).isEqualTo("not here");
    }

    @Test
    void postSendsTheBodyAndHeaders() {
        Varargs result = lua.run("local r = http.post('" + base + "/echo', 'payload', {headers = {['X-Token'] = 'k'},"
                + " timeout = 5}); return r.status, r.body, r.headers['x-seen']");

        assertThat(result.toint(1)).isEqualTo(201);
        assertThat(result.tojstring(2)).isEqualTo("POST payload");
        assertThat(result.tojstring(3)).isEqualTo("k");
    }

    @Test
    void aConnectionFailureReturnsNilAndAMessage() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        Varargs result = lua.run("return http.get('http://127.0.0.1:" + closedPort + "/health')");

        assertThat(result.arg1()).isEqualTo(LuaValue.NIL);
        assertThat(result.tojstring(2))
                .startsWith("http.get http://127.0.0.1:" + closedPort + "/health: connection failed");
    }

    @Test
    void aTimeoutReturnsNilAndAMessage() {
        Varargs result = lua.run("return http.get('" + base + "/slow', {timeout = 0.2})");

        assertThat(result.arg1().isnil()).isTrue();
        assertThat(result.tojstring(2)).isEqualTo("http.get " + base + "/slow: timed out after 0.2s");
    }

    @Test
    void badArgumentsAreLuaErrors() {
        assertThat(lua.error("http.get()"))
                .isEqualTo("test.lua:1: bad argument #1 to 'get' (string expected, got nil)");
        assertThat(lua.error("http.get('ftp://x/y')"))
                .isEqualTo("test.lua:1: bad argument #1 to 'get' (http or https URL expected, got 'ftp://x/y')");
        assertThat(lua.error("http.get('" + base + "', {retries = 2})"))
                .isEqualTo("test.lua:1: bad argument #2 to 'get' (unknown key 'retries')");
        assertThat(lua.error("http.post('" + base + "', 'b', {timeout = -1})"))
                .isEqualTo("test.lua:1: bad argument #3 to 'post' ('timeout': non-negative number of seconds expected,"
                        + " got -1)");
        assertThat(lua.error("http.get('" + base + "', {timeout = 0})"))
                .isEqualTo("test.lua:1: bad argument #2 to 'get' ('timeout': positive number of seconds expected, got"
                        + " 0)");
    }
}
