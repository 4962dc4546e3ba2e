package io.vmigrate.center.status;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The center's HTTP server (JDK {@link HttpServer}, GET only): the status API of {@link StatusQueries}
 * and the Prometheus scrape at {@code /metrics}. It binds when created, so that its port is known
 * before Kafka Streams is told its {@code application.server}; it serves once {@link #start}ed.
 */
public final class CenterStatusServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CenterStatusServer.class);
    private static final String JSON = "application/json";
    private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";
    private static final int THREADS = 4;

    private final HttpServer server;
    private ExecutorService executor;

    private CenterStatusServer(HttpServer server) {
        this.server = server;
    }

    /** Binds to {@code host:port} (port 0: a free one). */
    public static CenterStatusServer bind(String host, int port) {
        try {
            return new CenterStatusServer(HttpServer.create(new InetSocketAddress(host, port), 0));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the center status server to " + host + ":" + port, e);
        }
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Serves the status API from {@code queries} and the metrics from {@code scrape}. */
    public synchronized void start(StatusQueries queries, Supplier<String> scrape) {
        executor = Executors.newFixedThreadPool(THREADS, runnable -> {
            Thread thread = new Thread(runnable, "center-status-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, queries, scrape));
        server.start();
        LOG.info("center status API and metrics served on port {}", port());
    }

    private static void handle(HttpExchange exchange, StatusQueries queries, Supplier<String> scrape) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                send(exchange, 405, JSON, queries.encode(StatusJson.error("only GET is served")));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/metrics")) {
                send(exchange, 200, PROMETHEUS, scrape.get().getBytes(StandardCharsets.UTF_8));
                return;
            }
            boolean localOnly = exchange.getRequestHeaders().containsKey(StatusQueries.FORWARDED_HEADER);
            StatusAnswer answer = route(path, exchange.getRequestURI().getQuery(), localOnly, queries);
            send(exchange, answer.status(), JSON, answer.json());
        } catch (RuntimeException e) {
            LOG.warn("status request {} failed", exchange.getRequestURI().getPath(), e);
        }
    }

    private static StatusAnswer route(String path, String query, boolean localOnly, StatusQueries queries) {
        String trimmed = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        if (trimmed.equals("/health")) {
            return queries.health();
        }
        if (trimmed.equals("/vms")) {
            return queries.vms(localOnly);
        }
        if (trimmed.startsWith("/vms/") && trimmed.length() > "/vms/".length()) {
            return queries.vm(trimmed.substring("/vms/".length()), localOnly);
        }
        if (trimmed.equals("/migrations")) {
            return queries.migrations(inFlightOnly(query), localOnly);
        }
        if (trimmed.startsWith("/migrations/") && trimmed.length() > "/migrations/".length()) {
            return queries.migration(trimmed.substring("/migrations/".length()), localOnly);
        }
        return new StatusAnswer(404, queries.encode(StatusJson.error("no such resource: " + path
                + " (try /health, /vms, /vms/{vmId}, /migrations?inFlight=true, /migrations/{migrationId}, /metrics)")));
    }

    private static boolean inFlightOnly(String query) {
        if (query == null) {
            return false;
        }
        for (String parameter : query.split("&")) {
            if (parameter.equalsIgnoreCase("inFlight=true") || parameter.equalsIgnoreCase("inFlight")) {
                return true;
            }
        }
        return false;
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public synchronized void close() {
        server.stop(0);
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
