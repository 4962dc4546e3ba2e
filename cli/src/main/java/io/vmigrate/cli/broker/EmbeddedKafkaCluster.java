package io.vmigrate.cli.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeLogDirsOptions;
import org.apache.kafka.common.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka KRaft cluster built from Kafka's own classes: every node is a combined
 * broker+controller, running either in this JVM ({@code kafka.server.KafkaRaftServer}) or in a child JVM
 * ({@code kafka.Kafka server.properties}).
 *
 * <pre>{@code
 * try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.singleNode(dir).start()) {
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 *
 * <p>Layout of the data directory: {@code kraft-cluster.properties} (cluster id, node count; written once),
 * {@code cluster.properties} (see {@link BrokerAddressFile}, present while running) and one
 * {@code node-<id>/} per node holding {@code logs/} (Kafka log dir, formatted once), the generated
 * {@code server.properties} and, for child JVMs, {@code server.log}. Node ids are {@code 0..n-1}.
 * Restarting on the same data directory keeps all data; ports are chosen anew at each {@link #start()}.
 *
 * <p>Not thread-safe for concurrent lifecycle calls from several threads beyond what {@code synchronized}
 * gives; registers nothing global.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final Set<String> RESERVED = Set.of(
        "node.id", "broker.id", "process.roles", "listeners", "advertised.listeners", "controller.listener.names",
        "controller.quorum.voters", "controller.quorum.bootstrap.servers", "log.dirs", "log.dir", "metadata.log.dir");

    /** Default JVM options of child-JVM nodes. */
    public static final List<String> DEFAULT_CHILD_JVM_OPTIONS = List.of(
        "-Xms64m", "-Xmx512m", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true");

    private enum State { NEW, STARTED, CLOSED }

    private final Path dataDir;
    private final int nodeCount;
    private final boolean inProcess;
    private final Map<String, String> extraProperties;
    private final Duration startupTimeout;
    private final Duration shutdownTimeout;
    private final List<String> childJvmOptions;

    private State state = State.NEW;
    private boolean addressFileWritten;
    private String clusterId;
    private final Map<Integer, KafkaNode> nodes = new LinkedHashMap<>();

    private EmbeddedKafkaCluster(Builder b) {
        this.dataDir = b.dataDir.toAbsolutePath().normalize();
        this.nodeCount = b.nodes;
        this.inProcess = b.inProcess != null ? b.inProcess : b.nodes == 1;
        this.extraProperties = Map.copyOf(b.properties);
        this.startupTimeout = b.startupTimeout;
        this.shutdownTimeout = b.shutdownTimeout;
        this.childJvmOptions = List.copyOf(b.childJvmOptions);
    }

    /** One in-process node (fast). Call {@link #start()}. */
    public static EmbeddedKafkaCluster singleNode(Path dataDir) {
        return builder().dataDir(dataDir).nodes(1).build();
    }

    /** Three child-JVM nodes with a 3-voter controller quorum. Call {@link #start()}. */
    public static EmbeddedKafkaCluster threeNodes(Path dataDir) {
        return builder().dataDir(dataDir).nodes(3).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats storage if needed, starts all nodes and waits until every broker is registered and answers.
     * Writes the {@link BrokerAddressFile}. Returns {@code this}. Fails with {@link IllegalStateException}
     * (naming the node and its log file) if the cluster is not ready within the startup timeout; in that
     * case everything started so far is stopped again.
     */
    public synchronized EmbeddedKafkaCluster start() {
        if (state == State.STARTED) {
            return this;
        }
        if (state == State.CLOSED) {
            throw new IllegalStateException("cluster already closed; create a new one on the same data dir");
        }
        long t0 = System.nanoTime();
        try {
            clusterId = KafkaStorage.loadOrCreateClusterId(dataDir, nodeCount);
            createNodes();
            for (KafkaNode node : nodes.values()) {
                node.writeServerProperties();
                KafkaStorage.formatIfNeeded(node.id, clusterId, node.logDir, node.serverPropertiesFile());
            }
            state = State.STARTED;
            startNodes(nodes.values());
            awaitReady(nodes.values(), startupTimeout);
        } catch (Exception e) {
            state = State.STARTED;
            try {
                close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw new IllegalStateException("cannot start embedded Kafka cluster in " + dataDir, e);
        }
        BrokerAddressFile.write(dataDir, bootstrapServers());
        addressFileWritten = true;
        LOG.info("embedded Kafka cluster {} ({} {} node(s)) ready at {} in {} ms", clusterId, nodeCount,
            inProcess ? "in-process" : "child-JVM", bootstrapServers(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return this;
    }

    /** Comma-separated {@code 127.0.0.1:port} of all nodes' PLAINTEXT listeners. */
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

    public boolean inProcess() {
        return inProcess;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The KRaft cluster id (available after {@link #start()}). */
    public synchronized String clusterId() {
        requireStarted();
        return clusterId;
    }

    /** Where to look when a node misbehaves: its {@code server.log} (child JVM) or a hint (in-process). */
    public synchronized String nodeLogHint(int nodeId) {
        return node(nodeId).logHint();
    }

    /** Whether the node's process (or in-process server) is running. */
    public synchronized boolean isNodeRunning(int nodeId) {
        return node(nodeId).isAlive();
    }

    /**
     * Stops one node abruptly: {@code Process.destroyForcibly()} (kill -9) for a child JVM; for an in-process
     * node this can only be a (bounded) shutdown. Returns once the node is gone.
     */
    public synchronized void killNode(int nodeId) {
        KafkaNode node = node(nodeId);
        LOG.info("killing Kafka node {}", nodeId);
        node.kill();
    }

    /**
     * (Re)starts one node on its original ports and data, stopping it first if it still runs, and waits until
     * it is registered and answering again.
     */
    public synchronized void restartNode(int nodeId) {
        KafkaNode node = node(nodeId);
        if (node.isAlive()) {
            node.stop(shutdownTimeout);
        }
        LOG.info("restarting Kafka node {}", nodeId);
        try {
            node.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restart node " + nodeId, e);
        } catch (Exception e) {
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
        }
        awaitReady(List.of(node), startupTimeout);
    }

    /**
     * Stops all nodes in parallel (a combined multi-node quorum must not be stopped one node after the other),
     * bounded by the shutdown timeout; child JVMs that do not exit in time are killed. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (state != State.STARTED) {
            state = State.CLOSED;
            return;
        }
        state = State.CLOSED;
        long t0 = System.nanoTime();
        List<Thread> stoppers = new ArrayList<>();
        for (KafkaNode node : nodes.values()) {
            if (node instanceof ChildJvmKafkaNode child) {
                child.requestStop();
            }
        }
        for (KafkaNode node : nodes.values()) {
            Thread t = new Thread(() -> {
                try {
                    node.stop(shutdownTimeout);
                } catch (RuntimeException e) {
                    LOG.warn("error stopping Kafka node {}", node.id, e);
                }
            }, "embedded-kafka-close-" + node.id);
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
        LOG.info("embedded Kafka cluster in {} stopped in {} ms", dataDir,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    // ---------------------------------------------------------------------------------------------------------

    private void createNodes() throws IOException {
        nodes.clear();
        int[] brokerPorts = new int[nodeCount];
        int[] controllerPorts = new int[nodeCount];
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < nodeCount; i++) {
                brokerPorts[i] = reservePort(held);
                controllerPorts[i] = reservePort(held);
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < nodeCount; i++) {
            if (i > 0) {
                voters.append(',');
            }
            voters.append(i).append("@127.0.0.1:").append(controllerPorts[i]);
        }
        String classpath = inProcess ? null : ChildJvmClasspath.compute();
        for (int i = 0; i < nodeCount; i++) {
            Path nodeDir = dataDir.resolve("node-" + i);
            java.nio.file.Files.createDirectories(nodeDir);
            Map<String, String> config = nodeConfig(i, nodeDir.resolve("logs"), brokerPorts[i], controllerPorts[i],
                voters.toString());
            KafkaNode node = inProcess
                ? new InProcessKafkaNode(i, nodeDir, brokerPorts[i], controllerPorts[i], config)
                : new ChildJvmKafkaNode(i, nodeDir, brokerPorts[i], controllerPorts[i], config, childJvmOptions,
                    classpath);
            nodes.put(i, node);
        }
    }

    private static int reservePort(List<ServerSocket> held) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        held.add(s);
        return s.getLocalPort();
    }

    private Map<String, String> nodeConfig(int id, Path logDir, int brokerPort, int controllerPort, String voters) {
        short rf = (short) Math.min(3, nodeCount);
        int minIsr = nodeCount >= 3 ? 2 : 1;
        Map<String, String> c = new LinkedHashMap<>();
        c.put("node.id", Integer.toString(id));
        c.put("process.roles", "broker,controller");
        c.put("listeners", BROKER_LISTENER + "://127.0.0.1:" + brokerPort + "," + CONTROLLER_LISTENER + "://127.0.0.1:"
            + controllerPort);
        c.put("advertised.listeners", BROKER_LISTENER + "://127.0.0.1:" + brokerPort);
        c.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        c.put("controller.listener.names", CONTROLLER_LISTENER);
        c.put("inter.broker.listener.name", BROKER_LISTENER);
        c.put("controller.quorum.voters", voters);
        c.put("log.dirs", logDir.toString());
        c.put("num.partitions", "1");
        c.put("default.replication.factor", Short.toString(rf));
        c.put("auto.create.topics.enable", "false");
        c.put("offsets.topic.replication.factor", Short.toString(rf));
        c.put("offsets.topic.num.partitions", "5");
        c.put("transaction.state.log.replication.factor", Short.toString(rf));
        c.put("transaction.state.log.min.isr", Integer.toString(minIsr));
        c.put("transaction.state.log.num.partitions", "5");
        c.put("share.coordinator.state.topic.replication.factor", Short.toString(rf));
        c.put("share.coordinator.state.topic.min.isr", Integer.toString(minIsr));
        c.put("group.initial.rebalance.delay.ms", "0");
        extraProperties.forEach((k, v) -> {
            if (!k.startsWith("embedded.client.")) {
                c.put(k, v);
            }
        });
        return c;
    }

    private void startNodes(Collection<KafkaNode> toStart) throws Exception {
        if (inProcess) {
            // In-process servers block in startup() until the quorum forms: start them concurrently.
            List<Thread> threads = new ArrayList<>();
            List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (KafkaNode node : toStart) {
                Thread t = new Thread(() -> {
                    try {
                        node.start();
                    } catch (Exception e) {
                        failures.add(new IllegalStateException("Kafka node " + node.id + " failed to start; see "
                            + node.logHint(), e));
                    }
                }, "embedded-kafka-start-" + node.id);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join(startupTimeout.toMillis());
            }
            if (!failures.isEmpty()) {
                throw failures.get(0);
            }
        } else {
            for (KafkaNode node : toStart) {
                node.start();
            }
        }
    }

    /** Waits until each given node answers requests and all cluster brokers are registered. */
    private void awaitReady(Collection<KafkaNode> waitFor, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<Integer> expected = new TreeSet<>(nodes.keySet());
        List<Integer> mustAnswer = waitFor.stream().map(n -> n.id).collect(Collectors.toList());
        Map<String, Object> adminProps = new LinkedHashMap<>();
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapAddresses());
        adminProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        adminProps.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        adminProps.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 500);
        adminProps.putAll(clientSecurityOverrides());
        String lastProblem = "no answer yet";
        Set<Integer> registered = Set.of();
        // Phase 1: wait until the broker ports accept TCP connections (keeps the Admin client from logging
        // a connection warning every few hundred milliseconds while the JVMs boot).
        List<KafkaNode> pending = new ArrayList<>(waitFor);
        while (!pending.isEmpty() && System.nanoTime() - deadline < 0) {
            throwIfDead(waitFor);
            pending.removeIf(EmbeddedKafkaCluster::acceptsConnections);
            if (!pending.isEmpty()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                if (Thread.currentThread().isInterrupted()) {
                    throw new IllegalStateException("interrupted while waiting for Kafka");
                }
            }
        }
        try (Admin admin = Admin.create(adminProps)) {
            while (true) {
                throwIfDead(waitFor);
                try {
                    registered = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000)).nodes()
                        .get(4, TimeUnit.SECONDS).stream().map(Node::id).collect(Collectors.toCollection(TreeSet::new));
                    if (registered.containsAll(expected)) {
                        // DescribeLogDirs goes to each given broker itself: proves the node answers.
                        admin.describeLogDirs(mustAnswer, new DescribeLogDirsOptions().timeoutMs(3000))
                            .allDescriptions().get(4, TimeUnit.SECONDS);
                        return;
                    }
                    lastProblem = "registered brokers " + registered + ", expected " + expected;
                } catch (ExecutionException e) {
                    lastProblem = String.valueOf(e.getCause());
                } catch (TimeoutException e) {
                    lastProblem = "request timed out";
                }
                if (System.nanoTime() - deadline > 0) {
                    Set<Integer> missing = new TreeSet<>(mustAnswer);
                    if (!registered.isEmpty()) {
                        missing.removeAll(registered);
                    }
                    if (missing.isEmpty()) {
                        missing.addAll(mustAnswer);
                    }
                    String where = missing.stream().map(id -> "node " + id + ": " + nodes.get(id).logHint())
                        .collect(Collectors.joining("; "));
                    throw new IllegalStateException("embedded Kafka node(s) " + missing + " not ready within "
                        + timeout.toSeconds() + " s (" + lastProblem + "); see " + where);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        }
    }

    private static void throwIfDead(Collection<KafkaNode> watched) {
        for (KafkaNode node : watched) {
            String death = node.deathReason();
            if (death != null) {
                throw new IllegalStateException("Kafka node " + node.id + " died during startup: " + death
                    + System.lineSeparator() + "(full log: " + node.logHint() + ")");
            }
        }
    }

    private static boolean acceptsConnections(KafkaNode node) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), node.brokerPort), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Client settings needed to talk to the PLAINTEXT listener when the caller changed its security. */
    private Map<String, Object> clientSecurityOverrides() {
        Map<String, Object> m = new LinkedHashMap<>();
        extraProperties.forEach((k, v) -> {
            if (k.startsWith("embedded.client.")) {
                m.put(k.substring("embedded.client.".length()), v);
            }
        });
        return m;
    }

    private String bootstrapAddresses() {
        return nodes.values().stream().map(KafkaNode::brokerAddress).collect(Collectors.joining(","));
    }

    private KafkaNode node(int nodeId) {
        requireStarted();
        KafkaNode node = nodes.get(nodeId);
        if (node == null) {
            throw new IllegalArgumentException("no node " + nodeId + "; node ids are " + nodes.keySet());
        }
        return node;
    }

    private void requireStarted() {
        if (state != State.STARTED) {
            throw new IllegalStateException("cluster is " + state.name().toLowerCase(java.util.Locale.ROOT)
                + ", not started");
        }
    }

    /** Builder; defaults: 1 node, in-process iff 1 node, 120 s startup and 30 s shutdown timeouts. */
    public static final class Builder {
        private Path dataDir;
        private int nodes = 1;
        private Boolean inProcess;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private Duration startupTimeout = Duration.ofSeconds(120);
        private Duration shutdownTimeout = Duration.ofSeconds(30);
        private List<String> childJvmOptions = DEFAULT_CHILD_JVM_OPTIONS;

        private Builder() {
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

        /** {@code true}: KafkaRaftServer in this JVM (one node only); {@code false}: one child JVM per node. */
        public Builder inProcess(boolean value) {
            this.inProcess = value;
            return this;
        }

        /**
         * Extra broker property for every node, overriding the defaults (e.g. {@code auto.create.topics.enable},
         * {@code listener.security.protocol.map}, {@code broker.session.timeout.ms}). Node identity, listeners,
         * quorum and directory settings are managed by the cluster and rejected. Keys starting with
         * {@code embedded.client.} are not given to Kafka but to the cluster's own readiness Admin client
         * (without the prefix), e.g. {@code embedded.client.security.protocol}.
         */
        public Builder brokerProperty(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (RESERVED.contains(key)) {
                throw new IllegalArgumentException(key + " is managed by EmbeddedKafkaCluster");
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

        /** JVM options of child-JVM nodes (default {@link #DEFAULT_CHILD_JVM_OPTIONS}). */
        public Builder childJvmOptions(List<String> options) {
            this.childJvmOptions = List.copyOf(options);
            return this;
        }

        public EmbeddedKafkaCluster build() {
            if (dataDir == null) {
                throw new IllegalStateException("dataDir is required");
            }
            // A fatal fault in any in-process node ends the whole JVM through Kafka's exit path, and a
            // node of a quorum is meant to be killed alone: several nodes get one JVM each.
            if (Boolean.TRUE.equals(inProcess) && nodes > 1) {
                throw new IllegalStateException("an in-process cluster has one node; run " + nodes
                        + " nodes as child JVMs (inProcess(false))");
            }
            return new EmbeddedKafkaCluster(this);
        }

        private static Duration requirePositive(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            return d;
        }
    }
}
