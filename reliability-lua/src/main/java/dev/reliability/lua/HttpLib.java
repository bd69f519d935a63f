package dev.reliability.lua;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 */
final class HttpLib extends TwoArgFunction {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final Set<String> OPTIONS = Set.of("timeout", "headers");

    private final HttpClient client;

    HttpLib() {
        this.client = HttpClient.newBuilder()
                .connectTimeout(DEFAULT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
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

    private Varargs send(HttpRequest.Builder request, String function) {
        HttpRequest built = request.build();
        HttpResponse<byte[]> response;
        try {
            response = client.send(built, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException timeout) {
            return failure("http." + function + " " + built.uri() + ": timed out after "
                    + Args.format(Args.seconds(built.timeout().orElse(DEFAULT_TIMEOUT))) + "s");
        } catch (IOException unreachable) {
            return failure(
                    "http." + function + " " + built.uri() + ": connection failed: " + LuaErrors.ioReason(unreachable));
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new LuaError("http." + function + " " + built.uri() + ": interrupted");
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

    private static Varargs failure(String message) {
        return LuaValue.varargsOf(LuaValue.NIL, LuaValue.valueOf(message));
    }
}
