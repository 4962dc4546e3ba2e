package io.vmigrate.securezone;

import io.vmigrate.trust.CryptoSuites;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host's secure zone as a service: listens on a Unix domain socket (mode 0600) and serves its host
 * agent, one thread per connection from a bounded pool. Talks to nobody else; never to Kafka.
 */
public final class SecureZoneServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SecureZoneServer.class);

    private final SecureZoneConfig config;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Set<ZoneConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong connectionCount = new AtomicLong();
    private final CountDownLatch closed = new CountDownLatch(1);

    private SecureZone zone;
    private ServerSocketChannel listener;
    private ThreadPoolExecutor pool;
    private Thread acceptor;
    private boolean started;

    public SecureZoneServer(SecureZoneConfig config) {
        this(config, Clock.systemUTC());
    }

    /** With an explicit clock, for tests of command expiry. */
    public SecureZoneServer(SecureZoneConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Opens (or on first start creates) the zone's keys and state, then listens. A stale socket file
     * is removed; a socket another live process still serves is not.
     */
    public synchronized SecureZoneServer start() throws IOException {
        if (started) {
            throw new IllegalStateException("secure zone server already started");
        }
        started = true;
        Path socket = config.socketPath();
        char[] password = config.sealingPassword().value().toCharArray();
        try {
            zone = SecureZone.open(config.hostId(), CryptoSuites.get(config.suite()), config.stateDir(), password, clock,
                    config.replyTimeToLive(), config.allowedClockSkew());
        } finally {
            Arrays.fill(password, '\0');
        }
        try {
            listener = bind(socket);
        } catch (IOException | RuntimeException e) {
            zone.close();
            throw e;
        }
        int threads = config.maxConnections();
        pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new SynchronousQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, "secure-zone-" + config.hostId() + "-connection");
            thread.setDaemon(true);
            return thread;
        });
        acceptor = new Thread(this::acceptLoop, "secure-zone-" + config.hostId() + "-acceptor");
        acceptor.start();
        LOG.info("secure zone of host {} listening on {}", config.hostId(), socket);
        return this;
    }

    private static ServerSocketChannel bind(Path socket) throws IOException {
        Files.createDirectories(socket.toAbsolutePath().getParent());
        if (Files.exists(socket)) {
            if (isServed(socket)) {
                throw new IOException("socket " + socket + " is served by another process");
            }
            Files.delete(socket);
            LOG.info("removed stale socket {}", socket);
        }
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(socket));
            // Only the agent's user may connect; every request is still signed by the agent key.
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(socket);
            throw e;
        }
    }

    private static boolean isServed(Path socket) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return probe.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    private void acceptLoop() {
        while (true) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!listener.isOpen()) {
                    return;
                }
                LOG.warn("host {}: accept failed: {}", config.hostId(), e.toString());
                continue;
            }
            long number = connectionCount.incrementAndGet();
            ZoneConnection connection = new ZoneConnection(channel, zone, random, number, connections::remove);
            connections.add(connection);
            try {
                pool.execute(connection);
            } catch (RejectedExecutionException e) {
                LOG.warn("host {}: refusing connection #{}: all {} connection threads busy", config.hostId(), number,
                        config.maxConnections());
                connections.remove(connection);
                connection.close();
            }
        }
    }

    /**
     * The fingerprint (key id) of this zone's signing key, for an operator to approve the host by
     * ({@code vmigrate hosts approve}) or to pre-approve it in the center's allow-list. Public, not secret.
     */
    public synchronized String signingKeyFingerprint() {
        if (zone == null) {
            throw new IllegalStateException("secure zone of " + config.hostId() + " is not started");
        }
        return zone.signingKeyFingerprint();
    }

    public Path socketPath() {
        return config.socketPath();
    }

    public String hostId() {
        return config.hostId();
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    /** Stops listening, ends open connections, removes the socket file and wipes keys from memory. */
    @Override
    public synchronized void close() {
        if (!started || closed.getCount() == 0) {
            closed.countDown();
            return;
        }
        try {
            listener.close();
        } catch (IOException e) {
            LOG.warn("host {}: closing the listener failed: {}", config.hostId(), e.toString());
        }
        connections.forEach(ZoneConnection::close);
        pool.shutdown();
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("host {}: connection threads did not finish in time", config.hostId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(config.socketPath());
        } catch (IOException e) {
            LOG.warn("host {}: cannot remove socket {}: {}", config.hostId(), config.socketPath(), e.toString());
        }
        zone.close();
        closed.countDown();
        LOG.info("secure zone of host {} stopped", config.hostId());
    }
}
