package io.vmigrate.testsupport;

import io.vmigrate.embedded.broker.KafkaNode;
import io.vmigrate.embedded.broker.KafkaNodeGroup;
import io.vmigrate.embedded.security.BusPrincipal;
import io.vmigrate.embedded.security.BusUsers;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka KRaft cluster of 1..9 combined broker+controller nodes, each in its own child JVM
 * ({@code kafka.Kafka server.properties} via {@link ChildNodeMain}), for tests that kill and restart brokers.
 * Config, storage formatting and readiness are {@link KafkaNodeGroup}'s; each node also writes
 * {@code node-<id>/server.log}. The child JVMs exit when this JVM disappears.
 *
 * <pre>{@code
 * try (ChildJvmKafkaCluster kafka = ChildJvmKafkaCluster.of(KafkaNodeGroup.builder().dataDir(dir).nodes(3)).start()) {
 *     kafka.killNode(0);
 *     kafka.restartNode(0);
 * }
 * }</pre>
 */
public final class ChildJvmKafkaCluster implements AutoCloseable {

    /** Default JVM options of the nodes. */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of(
        "-Xms64m", "-Xmx512m", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true");

    private static final Logger LOG = LoggerFactory.getLogger(ChildJvmKafkaCluster.class);

    private final KafkaNodeGroup group;

    private ChildJvmKafkaCluster(KafkaNodeGroup group) {
        this.group = group;
    }

    /** Three nodes with a 3-voter controller quorum and default settings. Call {@link #start()}. */
    public static ChildJvmKafkaCluster threeNodes(Path dataDir) {
        return of(KafkaNodeGroup.builder().dataDir(dataDir).nodes(3));
    }

    /** A cluster with these settings and {@link #DEFAULT_JVM_OPTIONS}. Call {@link #start()}. */
    public static ChildJvmKafkaCluster of(KafkaNodeGroup.Builder settings) {
        return of(settings, DEFAULT_JVM_OPTIONS);
    }

    /** A cluster with these settings whose child JVMs run with {@code jvmOptions}. Call {@link #start()}. */
    public static ChildJvmKafkaCluster of(KafkaNodeGroup.Builder settings, List<String> jvmOptions) {
        List<String> options = List.copyOf(jvmOptions);
        String classpath = ChildJvmClasspath.compute();
        return new ChildJvmKafkaCluster(settings.build((id, nodeDir, brokerPort, config) ->
            new ChildJvmKafkaNode(id, nodeDir, brokerPort, config, options, classpath)));
    }

    /** Formats storage if needed, starts every node and waits until all answer; see {@link KafkaNodeGroup#start()}. */
    public ChildJvmKafkaCluster start() {
        group.start();
        return this;
    }

    /** Comma-separated {@code 127.0.0.1:port} of all nodes' SASL client listeners. */
    public String bootstrapServers() {
        return group.bootstrapServers();
    }

    /** Client settings of the super user {@code admin}: bootstrap servers and its SCRAM login. */
    public Map<String, Object> adminClientProperties() {
        return group.superUserClientProperties();
    }

    /**
     * Creates bus principals (credentials and ACLs, e.g. {@code new BusAcls(topics).host("h1", group)}) and
     * returns each one's client settings by name, for tests that run a component as that principal.
     */
    public Map<String, Map<String, Object>> principals(Collection<BusPrincipal> principals) {
        return new BusUsers(adminClientProperties(), dataDir(), group.tlsTrust()).provision(principals, bootstrapServers());
    }

    /** What clients must trust when the cluster runs {@code SASL_SSL} ({@code KafkaNodeGroup.Builder#listenerSecurity}). */
    public java.util.Optional<io.vmigrate.cli.datadir.TlsTrust> tlsTrust() {
        return group.tlsTrust();
    }

    public int nodeCount() {
        return group.nodeCount();
    }

    /** Node ids, {@code 0..nodeCount()-1}. */
    public List<Integer> nodeIds() {
        return group.nodeIds();
    }

    public String clusterId() {
        return group.clusterId();
    }

    public Path dataDir() {
        return group.dataDir();
    }

    /** The node's {@code server.log}. */
    public String nodeLogHint(int nodeId) {
        return group.node(nodeId).logHint();
    }

    /** Whether the node's process is running. */
    public boolean isNodeRunning(int nodeId) {
        return group.node(nodeId).isAlive();
    }

    /** Stops one node abruptly ({@code Process.destroyForcibly()}, kill -9); returns once it is gone. */
    public synchronized void killNode(int nodeId) {
        KafkaNode node = group.node(nodeId);
        LOG.info("killing Kafka node {}", nodeId);
        node.kill();
    }

    /**
     * (Re)starts one node on its original ports and data, stopping it first if it still runs, and waits until
     * it is registered and answering again.
     */
    public synchronized void restartNode(int nodeId) {
        KafkaNode node = group.node(nodeId);
        if (node.isAlive()) {
            node.stop(group.shutdownTimeout());
        }
        LOG.info("restarting Kafka node {}", nodeId);
        group.startNode(node);
        group.awaitReady(List.of(node));
    }

    /** Stops all nodes together; those that do not exit within the shutdown timeout are killed. Idempotent. */
    @Override
    public void close() {
        group.close();
    }
}
