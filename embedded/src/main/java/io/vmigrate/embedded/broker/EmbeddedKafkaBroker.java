package io.vmigrate.embedded.broker;

import java.nio.file.Path;

/**
 * One real Apache Kafka KRaft node (combined broker+controller, {@code kafka.server.KafkaRaftServer}) in this
 * JVM: the broker of the embedded single-machine system.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.singleNode(dir).start()) {
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 *
 * <p>Several nodes never share one JVM: a fatal fault in an in-process node ends the whole JVM through
 * Kafka's exit path, and a node of a quorum is meant to be killed alone. Multi-node clusters run as child
 * JVMs (test-support's {@code ChildJvmKafkaCluster}). Data directory layout: see {@link KafkaNodeGroup}.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private final KafkaNodeGroup group;

    private EmbeddedKafkaBroker(KafkaNodeGroup group) {
        this.group = group;
    }

    /** The in-process node with default settings. Call {@link #start()}. */
    public static EmbeddedKafkaBroker singleNode(Path dataDir) {
        return of(KafkaNodeGroup.builder().dataDir(dataDir));
    }

    /** The in-process node with these settings (one node only). Call {@link #start()}. */
    public static EmbeddedKafkaBroker of(KafkaNodeGroup.Builder settings) {
        if (settings.nodes() != 1) {
            throw new IllegalStateException("an in-process cluster has one node; run " + settings.nodes()
                + " nodes as child JVMs (test-support's ChildJvmKafkaCluster)");
        }
        return new EmbeddedKafkaBroker(settings.build(InProcessKafkaNode::new));
    }

    /** Formats storage if needed, starts the node and waits until it answers; see {@link KafkaNodeGroup#start()}. */
    public EmbeddedKafkaBroker start() {
        group.start();
        return this;
    }

    /** {@code 127.0.0.1:port} of the SASL (or SASL_SSL) client listener. */
    public String bootstrapServers() {
        return group.bootstrapServers();
    }

    /** Client settings of the super user {@code admin}: bootstrap servers and its SCRAM login. */
    public java.util.Map<String, Object> adminClientProperties() {
        return group.superUserClientProperties();
    }

    /** What clients must trust when the broker runs {@code SASL_SSL} (after {@link #start()}); empty otherwise. */
    public java.util.Optional<io.vmigrate.cli.datadir.TlsTrust> tlsTrust() {
        return group.tlsTrust();
    }

    /** The KRaft cluster id (available after {@link #start()}). */
    public String clusterId() {
        return group.clusterId();
    }

    public Path dataDir() {
        return group.dataDir();
    }

    /** Stops the node (bounded by the shutdown timeout). Idempotent. */
    @Override
    public void close() {
        group.close();
    }
}
