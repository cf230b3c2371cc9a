package org.accessdetector.alerting;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small HTTP server on a loopback port standing in for a scrape target or a webhook: GET answers with a metrics
 * fixture (its {@code {{B+N/s}}} values growing with time), POST is recorded and answered 200.
 */
final class FakeHttpEndpoint implements AutoCloseable {

    private static final Pattern GROWING = Pattern.compile("\\{\\{(?:([0-9.]+)\\+)?([0-9.]+)/s}}");

    /** A recorded POST. */
    record Request(String path, String body) {}

    private final HttpServer server;
    private final String fixture;
    private final long startNanos = System.nanoTime();
    private final List<Request> posts = new CopyOnWriteArrayList<>();

    private FakeHttpEndpoint(String fixture) {
        this.fixture = fixture;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "fake-http-" + server.getAddress().getPort());
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** Serves the named fixture from src/test/resources/fixtures on GET. */
    static FakeHttpEndpoint serving(String fixtureName) {
        try (InputStream in = FakeHttpEndpoint.class.getResourceAsStream("/fixtures/" + fixtureName)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + fixtureName);
            }
            return new FakeHttpEndpoint(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Serves nothing on GET; records POSTs (a webhook receiver). */
    static FakeHttpEndpoint recording() {
        return new FakeHttpEndpoint("");
    }

    int port() {
        return server.getAddress().getPort();
    }

    String hostPort() {
        return "127.0.0.1:" + port();
    }

    List<Request> posts() {
        return List.copyOf(posts);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] response;
            if ("POST".equals(exchange.getRequestMethod()) || "PUT".equals(exchange.getRequestMethod())) {
                posts.add(new Request(exchange.getRequestURI().getPath(),
                        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                response = new byte[0];
                exchange.getResponseHeaders().set("Content-Type", "application/json");
            } else {
                response = render().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            }
            exchange.sendResponseHeaders(200, response.length == 0 ? -1 : response.length);
            if (response.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response);
                }
            }
        }
    }

    private String render() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        Matcher m = GROWING.matcher(fixture);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            double base = m.group(1) == null ? 0 : Double.parseDouble(m.group(1));
            double perSecond = Double.parseDouble(m.group(2));
            m.appendReplacement(out, String.valueOf(Math.floor(base + perSecond * seconds)));
        }
        m.appendTail(out);
        return out.toString();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
