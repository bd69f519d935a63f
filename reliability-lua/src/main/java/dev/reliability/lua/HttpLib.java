package dev.reliability.lua;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.TwoArgFunction;

/**
 * A small {@code http} module on the JDK {@link HttpClient}: {@code http.get(url, opts?)} and {@code http.post(url,
 * body, opts?)} return {@code {status, body, headers}}; a non-2xx status is returned, not raised; a connection
 * failure or timeout returns {@code nil, message}. Options: {@code timeout} (seconds, default 30) and {@code headers}.
 *
 * <p>The timeout covers the whole request, body included, and ends no later than the run's time limit. The body is
 * read as it arrives and refused beyond a size limit, so a huge or endless body costs at most that much memory (held
 * by this thread, never by the client's own).
 */
final class HttpLib extends TwoArgFunction {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final Set<String> OPTIONS = Set.of("timeout", "headers");

    private final int bodyLimit;
    /** Built by the first request: building one sets up TLS, about 0.7 s of CPU that most runs never use. */
    private HttpClient client;

    HttpLib(int bodyLimit) {
        this.bodyLimit = bodyLimit;
    }

    private synchronized HttpClient client() {
        if (client == null) {
            client = HttpClient.newBuilder()
                    .connectTimeout(DEFAULT_TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .build();
        }
        return client;
    }

    @Override
    public LuaValue call(LuaValue modname, LuaValue env) {
        LuaTable module = new LuaTable();
        Modules.add(module, new ModuleFunction("get") {
            @Override
            Varargs apply(Varargs args) {
                HttpRequest.Builder request = request(args, 1, 2, name);
                return send(request.GET(), name);
            }
        });
        Modules.add(module, new ModuleFunction("post") {
            @Override
            Varargs apply(Varargs args) {
                byte[] body = new byte[0];
                if (!args.arg(2).isnil()) {
                    Args.string(args, 2, name); // checks the type
                    LuaString text = args.arg(2).strvalue();
                    body = new byte[text.length()];
                    text.copyInto(0, body, 0, body.length); // the bytes as they are, not re-encoded
                }
                HttpRequest.Builder request = request(args, 1, 3, name);
                return send(request.POST(HttpRequest.BodyPublishers.ofByteArray(body)), name);
            }
        });
        return Modules.register(env, "http", module);
    }

    private static HttpRequest.Builder request(Varargs args, int urlIndex, int optionsIndex, String function) {
        String url = Args.string(args, urlIndex, function);
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException invalid) {
            throw LuaErrors.badArgument(urlIndex, function, "invalid URL '" + url + "'");
        }
        if (uri.getScheme() == null || !Set.of("http", "https").contains(uri.getScheme()) || uri.getHost() == null) {
            throw LuaErrors.badArgument(urlIndex, function, "http or https URL expected, got '" + url + "'");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri);
        if (args.arg(optionsIndex).isnil()) {
            return request.timeout(DEFAULT_TIMEOUT);
        }
        ConfigTable options = ConfigTable.of(args, optionsIndex, function, OPTIONS);
        request.timeout(options.positiveSeconds("timeout", DEFAULT_TIMEOUT));
        LuaValue headers = options.raw("headers");
        if (!headers.isnil()) {
            if (!headers.istable()) {
                throw options.error("'headers': table expected, got " + headers.typename());
            }
            for (Varargs entry = headers.next(LuaValue.NIL);
                    !entry.arg1().isnil();
                    entry = headers.next(entry.arg1())) {
                try {
                    request.header(LuaErrors.text(entry.arg1()), LuaErrors.text(entry.arg(2)));
                } catch (IllegalArgumentException restricted) {
                    throw options.error("'headers': " + restricted.getMessage());
                }
            }
        }
        return request;
    }

    private static Varargs timedOut(String call, Duration timeout) {
        return failure(call + ": timed out after " + Args.format(Args.seconds(timeout)) + "s");
    }

    private Varargs send(HttpRequest.Builder request, String function) {
        HttpRequest built = request.build();
        Duration timeout = built.timeout().orElse(DEFAULT_TIMEOUT);
        ResourceGuard guard = ResourceGuard.current();
        long runLeft = guard == null ? Long.MAX_VALUE : guard.nanosLeft();
        String call = "http." + function + " " + built.uri();
        CappedBody body = new CappedBody(bodyLimit);
        CompletableFuture<HttpResponse<byte[]>> pending = client().sendAsync(built, info -> body);
        HttpResponse<byte[]> response;
        try {
            response = pending.get(Math.min(timeout.toNanos(), Math.max(0, runLeft)), TimeUnit.NANOSECONDS);
        } catch (TimeoutException late) {
            pending.cancel(true);
            body.cancel();
            if (guard != null) {
                guard.checkClock(); // the run's own limit came first: it ends the run
            }
            return timedOut(call, timeout);
        } catch (ExecutionException failed) {
            Throwable cause = failed.getCause();
            if (cause instanceof HttpTimeoutException) {
                return timedOut(call, timeout);
            }
            if (cause instanceof BodyTooLarge) {
                return failure(call + ": response body larger than the limit of " + bodyLimit + " bytes");
            }
            String reason = cause instanceof IOException io
                    ? LuaErrors.ioReason(io)
                    : cause.getMessage() == null ? "unknown error" : cause.getMessage();
            return failure(call + ": connection failed: " + reason);
        } catch (InterruptedException interrupted) {
            pending.cancel(true);
            body.cancel();
            Thread.currentThread().interrupt();
            throw new LuaError(call + ": interrupted");
        }
        LuaTable result = new LuaTable();
        result.set("status", response.statusCode());
        result.set("body", LuaString.valueUsing(response.body()));
        LuaTable headers = new LuaTable();
        for (Map.Entry<String, List<String>> header : response.headers().map().entrySet()) {
            headers.set(header.getKey().toLowerCase(java.util.Locale.ROOT), String.join(", ", header.getValue()));
        }
        result.set("headers", headers);
        return result;
    }

    /** Raised into the response future when a body passes the limit. */
    private static final class BodyTooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        BodyTooLarge() {
            super("response body too large");
        }
    }

    /** Collects a body as it arrives, and cancels the exchange once it passes the limit. */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int limit;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private volatile Flow.Subscription subscription;

        CappedBody(int limit) {
            this.limit = limit;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            if (result.isDone()) {
                subscription.cancel();
            } else {
                subscription.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                if (bytes.size() + (long) buffer.remaining() > limit) {
                    result.completeExceptionally(new BodyTooLarge());
                    subscription.cancel();
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable failure) {
            result.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        void cancel() {
            result.cancel(false);
            Flow.Subscription current = subscription;
            if (current != null) {
                current.cancel();
            }
        }
    }

    private static Varargs failure(String message) {
        return LuaValue.varargsOf(LuaValue.NIL, LuaValue.valueOf(message));
    }
}
