package io.vmigrate.embedded.broker;

import io.vmigrate.cli.datadir.BrokerAddressFile;
import io.vmigrate.cli.datadir.ClientConfigFiles;
import io.vmigrate.cli.datadir.ScramLogin;
import io.vmigrate.cli.datadir.TlsTrust;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle shared by every real Apache Kafka KRaft cluster vmigrate starts from Kafka's own classes:
 * nodes {@code 0..n-1}, each a combined broker+controller made by a {@link KafkaNodeFactory}, on a static
 * voter quorum. {@link EmbeddedKafkaBroker} is its single in-process node; test-support runs 1..n child JVMs.
 *
 * <p>Layout of the data directory: {@code kraft-cluster.properties} (cluster id, node count; written once),
 * {@code cluster.properties} (see {@link BrokerAddressFile}, present while running), {@code clients/admin.*}
 * (the super user's login, see {@link ClientConfigFiles}; created with the cluster) and one
 * {@code node-<id>/} per node holding {@code logs/} (Kafka log dir, formatted once) and the generated
 * {@code server.properties}; with {@link ListenerSecurity#SASL_SSL}, {@code tls/} (see {@link BrokerTls}).
 * Restarting on the same data directory keeps all data; ports are chosen anew at each {@link #start()}.
 * Lifecycle calls are {@code synchronized}; registers nothing global.
 */
public final class KafkaNodeGroup implements AutoCloseable {

    /** The principal brokers and controllers log in as, and the only super user of the cluster. */
    public static final String SUPER_USER = "admin";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaNodeGroup.class);

    private enum State { NEW, STARTED, CLOSED }

    private final Path dataDir;
    private final int nodeCount;
    private final Map<String, String> extraProperties;
    private final Duration startupTimeout;
    private final Duration shutdownTimeout;
    private final KafkaNodeFactory factory;
    private final ListenerSecurity listenerSecurity;
    private final List<String> certificateNames;
    private final Map<Integer, KafkaNode> nodes = new LinkedHashMap<>();

    private State state = State.NEW;
    private boolean addressFileWritten;
    private String clusterId;
    private ScramLogin superUser;
    private Optional<BrokerTls> tls = Optional.empty();

    private KafkaNodeGroup(Builder b, KafkaNodeFactory factory) {
        this.dataDir = b.dataDir.toAbsolutePath().normalize();
        this.nodeCount = b.nodes;
        this.extraProperties = Map.copyOf(b.properties);
        this.startupTimeout = b.startupTimeout;
        this.shutdownTimeout = b.shutdownTimeout;
        this.factory = factory;
        this.listenerSecurity = b.listenerSecurity;
        this.certificateNames = List.copyOf(b.certificateNames);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats storage if needed, starts all nodes and waits until every broker is registered and answers.
     * Writes the {@link BrokerAddressFile}. Returns {@code this}. Fails with {@link IllegalStateException}
     * (naming the node and its log) if the cluster is not ready within the startup timeout; in that
     * case everything started so far is stopped again.
     */
    public synchronized KafkaNodeGroup start() {
        if (state == State.STARTED) {
            return this;
        }
        if (state == State.CLOSED) {
            throw new IllegalStateException("cluster already closed; create a new one on the same data dir");
        }
        long t0 = System.nanoTime();
        try {
            clusterId = KafkaStorage.loadOrCreateClusterId(dataDir, nodeCount);
            superUser = loadSuperUser();
            tls = listenerSecurity == ListenerSecurity.SASL_SSL
                ? Optional.of(BrokerTls.prepare(dataDir, nodeCount, certificateNames)) : Optional.empty();
            createNodes();
            for (KafkaNode node : nodes.values()) {
                node.writeServerProperties();
                KafkaStorage.formatIfNeeded(node.id(), clusterId, node.logDir(), node.serverPropertiesFile(), superUser);
            }
            state = State.STARTED;
            for (KafkaNode node : nodes.values()) {
                startNode(node);
            }
            awaitReady(nodes.values());
        } catch (RuntimeException | IOException e) {
            state = State.STARTED;
            try {
                close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        BrokerAddressFile.write(dataDir, bootstrapServers());
        ClientConfigFiles.write(dataDir, superUser, bootstrapServers(), tlsTrust());
        addressFileWritten = true;
        LOG.info("Kafka cluster {} ({} node(s)) ready at {} in {} ms", clusterId, nodeCount, bootstrapServers(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return this;
    }

    /**
     * Kafka client settings of the cluster's super user ({@value #SUPER_USER}): bootstrap servers and its SCRAM
     * login, also kept in {@code <dataDir>/clients/admin.properties}.
     */
    public synchronized Map<String, Object> superUserClientProperties() {
        Map<String, Object> props = new LinkedHashMap<>(superUser.clientProperties());
        tls.ifPresent(t -> props.putAll(t.trust().clientProperties()));
        props.put("bootstrap.servers", bootstrapServers());
        return props;
    }

    /** What a client must trust on a {@link ListenerSecurity#SASL_SSL} group (after {@link #start()}); empty otherwise. */
    public synchronized Optional<TlsTrust> tlsTrust() {
        return tls.map(BrokerTls::trust);
    }

    /** Comma-separated {@code 127.0.0.1:port} of all nodes' client listeners. */
    public synchronized String bootstrapServers() {
        requireStarted();
        return nodes.values().stream().map(KafkaNode::brokerAddress).collect(Collectors.joining(","));
    }

    public int nodeCount() {
        return nodeCount;
    }

    /** Node ids, {@code 0..nodeCount()-1}. */
    public List<Integer> nodeIds() {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < nodeCount; i++) {
            ids.add(i);
        }
        return ids;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    /** The KRaft cluster id (available after {@link #start()}). */
    public synchronized String clusterId() {
        requireStarted();
        return clusterId;
    }

    /** A node of the started group. */
    public synchronized KafkaNode node(int nodeId) {
        requireStarted();
        KafkaNode node = nodes.get(nodeId);
        if (node == null) {
            throw new IllegalArgumentException("no node " + nodeId + "; node ids are " + nodes.keySet());
        }
        return node;
    }

    /** Starts one node, naming it and its log when that fails. */
    public void startNode(KafkaNode node) {
        try {
            node.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Kafka node " + node.id() + "; see " + node.logHint(), e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Kafka node " + node.id() + " failed to start; see " + node.logHint(), e);
        }
    }

    /** Waits (up to the startup timeout) until each given node answers and all brokers are registered. */
    public synchronized void awaitReady(Collection<KafkaNode> waitFor) {
        Map<String, Object> client = new LinkedHashMap<>(superUser.clientProperties());
        tls.ifPresent(t -> client.putAll(t.trust().clientProperties()));
        client.putAll(KafkaNodeConfig.clientOverrides(extraProperties));
        KafkaReadiness.await(nodes, waitFor, startupTimeout, client);
    }

    /**
     * Stops all nodes in parallel (a combined multi-node quorum must not be stopped one node after the other),
     * bounded by the shutdown timeout. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (state != State.STARTED) {
            state = State.CLOSED;
            return;
        }
        state = State.CLOSED;
        long t0 = System.nanoTime();
        nodes.values().forEach(KafkaNode::requestStop);
        List<Thread> stoppers = new ArrayList<>();
        for (KafkaNode node : nodes.values()) {
            Thread t = new Thread(() -> {
                try {
                    node.stop(shutdownTimeout);
                } catch (RuntimeException e) {
                    LOG.warn("error stopping Kafka node {}", node.id(), e);
                }
            }, "embedded-kafka-close-" + node.id());
            t.setDaemon(true);
            t.start();
            stoppers.add(t);
        }
        long deadline = System.nanoTime() + shutdownTimeout.plusSeconds(15).toNanos();
        for (Thread t : stoppers) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (addressFileWritten) {
            try {
                BrokerAddressFile.delete(dataDir);
            } catch (UncheckedIOException e) {
                LOG.warn("cannot delete {}", BrokerAddressFile.location(dataDir), e);
            }
        }
        LOG.info("Kafka cluster in {} stopped in {} ms", dataDir, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /**
     * The super user's login from the data directory, created with the cluster: storage formatted before
     * the bus was authenticated has no credential for it, and no broker of it would accept a login.
     */
    private ScramLogin loadSuperUser() {
        boolean formatted = false;
        for (int i = 0; i < nodeCount; i++) {
            formatted |= KafkaStorage.isFormatted(dataDir.resolve("node-" + i).resolve("logs"));
        }
        if (formatted && ClientConfigFiles.read(dataDir, SUPER_USER).isEmpty()) {
            throw new IllegalStateException("the Kafka data in " + dataDir + " predates the authenticated bus (no "
                + ClientConfigFiles.javaFile(dataDir, SUPER_USER) + "); remove the directory to start anew");
        }
        return ClientConfigFiles.loadOrCreate(dataDir, SUPER_USER);
    }

    private void createNodes() throws IOException {
        nodes.clear();
        KafkaNodeConfig.Ports ports = KafkaNodeConfig.Ports.reserve(nodeCount);
        for (int i = 0; i < nodeCount; i++) {
            Path nodeDir = Files.createDirectories(dataDir.resolve("node-" + i));
            Map<String, String> config = KafkaNodeConfig.forNode(i, nodeCount, nodeDir.resolve("logs"), ports,
                superUser, tls, extraProperties);
            nodes.put(i, factory.create(i, nodeDir, ports.broker().get(i), config));
        }
    }

    private void requireStarted() {
        if (state != State.STARTED) {
            throw new IllegalStateException("cluster is " + state.name().toLowerCase(java.util.Locale.ROOT)
                + ", not started");
        }
    }

    /** Settings of a node group; defaults: 1 node, 120 s startup and 30 s shutdown timeouts. */
    public static final class Builder {
        private Path dataDir;
        private int nodes = 1;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private Duration startupTimeout = Duration.ofSeconds(120);
        private Duration shutdownTimeout = Duration.ofSeconds(30);
        private ListenerSecurity listenerSecurity = ListenerSecurity.SASL_PLAINTEXT;
        private final List<String> certificateNames = new ArrayList<>();

        private Builder() {
        }

        /** {@code SASL_PLAINTEXT} (default, loopback only) or {@code SASL_SSL} with certificates the group makes. */
        public Builder listenerSecurity(ListenerSecurity security) {
            this.listenerSecurity = Objects.requireNonNull(security, "security");
            return this;
        }

        /**
         * Host names and IP addresses the nodes' certificates carry besides {@link BrokerTls#LOOPBACK_NAMES}
         * (with {@link ListenerSecurity#SASL_SSL}), e.g. the names clients reach a forwarded port by.
         */
        public Builder certificateNames(List<String> names) {
            names.forEach(name -> Objects.requireNonNull(name, "name"));
            this.certificateNames.clear();
            this.certificateNames.addAll(names);
            return this;
        }

        /** Root directory for all node data; created if missing. Required. */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dataDir");
            return this;
        }

        /** Number of combined broker+controller nodes (= controller voters), 1 to 9. */
        public Builder nodes(int count) {
            if (count < 1 || count > 9) {
                throw new IllegalArgumentException("nodes must be 1..9, was " + count);
            }
            this.nodes = count;
            return this;
        }

        public int nodes() {
            return nodes;
        }

        /**
         * Extra broker property for every node, overriding the defaults (e.g. {@code auto.create.topics.enable},
         * {@code listener.security.protocol.map}, {@code broker.session.timeout.ms}). Node identity, listeners,
         * quorum and directory settings are managed by the group and rejected. Keys starting with
         * {@value KafkaNodeConfig#CLIENT_PREFIX} are not given to Kafka but to the group's own readiness Admin
         * client (without the prefix), e.g. {@code embedded.client.security.protocol}.
         */
        public Builder brokerProperty(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (KafkaNodeConfig.RESERVED.contains(key)) {
                throw new IllegalArgumentException(key + " is managed by the Kafka node group");
            }
            properties.put(key, value);
            return this;
        }

        public Builder brokerProperties(Map<String, String> props) {
            props.forEach(this::brokerProperty);
            return this;
        }

        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = requirePositive(timeout);
            return this;
        }

        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = requirePositive(timeout);
            return this;
        }

        /** A group whose nodes {@code factory} makes. Call {@link KafkaNodeGroup#start()}. */
        public KafkaNodeGroup build(KafkaNodeFactory factory) {
            if (dataDir == null) {
                throw new IllegalStateException("dataDir is required");
            }
            return new KafkaNodeGroup(this, Objects.requireNonNull(factory, "factory"));
        }

        private static Duration requirePositive(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            return d;
        }
    }
}
