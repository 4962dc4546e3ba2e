package io.vmigrate.host.metrics;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves {@code GET /metrics} (Prometheus text format) for one host agent, on the JDK HTTP server. */
public final class MetricsHttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsHttpServer.class);

    private final HttpServer server;
    private final String host;

    private MetricsHttpServer(HttpServer server, String host) {
        this.server = server;
        this.host = host;
    }

    /** Binds to {@code host:port} (0: a free port) and serves {@code scrape} at {@code /metrics}. */
    public static MetricsHttpServer start(String host, int port, Supplier<String> scrape) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the metrics server to " + host + ":" + port, e);
        }
        server.createContext("/metrics", exchange -> {
            try (exchange) {
                byte[] body = "GET".equals(exchange.getRequestMethod())
                        ? scrape.get().getBytes(StandardCharsets.UTF_8) : new byte[0];
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders("GET".equals(exchange.getRequestMethod()) ? 200 : 405,
                        body.length == 0 ? -1 : body.length);
                if (body.length > 0) {
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("metrics scrape failed", e);
            }
        });
        server.start();
        return new MetricsHttpServer(server, host);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The scrape address, e.g. {@code http://localhost:41234/metrics}. */
    public URI metricsUri() {
        return URI.create("http://" + host + ":" + port() + "/metrics");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
