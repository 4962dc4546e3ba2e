package io.vmigrate.embedded.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import io.vmigrate.cli.datadir.ScramLogin;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Cluster identity file and KRaft storage formatting with Kafka's own storage tool. */
public final class KafkaStorage {

    static final String IDENTITY_FILE = "kraft-cluster.properties";
    private static final String CLUSTER_ID = "cluster.id";
    private static final String NODE_COUNT = "node.count";
    private static final Logger LOG = LoggerFactory.getLogger(KafkaStorage.class);

    private KafkaStorage() {
    }

    /**
     * Returns the cluster id stored in the data directory, generating and storing one on first use.
     * Fails if the directory was created for a different number of nodes.
     */
    public static String loadOrCreateClusterId(Path dataDir, int nodeCount) throws IOException {
        Files.createDirectories(dataDir);
        Path file = dataDir.resolve(IDENTITY_FILE);
        Properties props = new Properties();
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                props.load(in);
            }
            String id = props.getProperty(CLUSTER_ID);
            String count = props.getProperty(NODE_COUNT);
            if (id == null || id.isBlank()) {
                throw new IllegalStateException(file + " has no " + CLUSTER_ID);
            }
            if (count != null && Integer.parseInt(count.trim()) != nodeCount) {
                throw new IllegalStateException("data directory " + dataDir + " holds a " + count.trim()
                    + "-node cluster, cannot start it with " + nodeCount + " node(s)");
            }
            return id.trim();
        }
        String id = Uuid.randomUuid().toString();
        props.setProperty(CLUSTER_ID, id);
        props.setProperty(NODE_COUNT, Integer.toString(nodeCount));
        try (OutputStream out = Files.newOutputStream(file)) {
            props.store(out, "vmigrate embedded KRaft cluster identity - do not edit");
        }
        return id;
    }

    /** True when the log directory already holds {@code meta.properties}. */
    public static boolean isFormatted(Path logDir) {
        return Files.isRegularFile(logDir.resolve("meta.properties"));
    }

    /**
     * Formats one node's log directories from its generated {@code server.properties} with Kafka's own storage
     * tool ({@code kafka-storage format -t <id> -c <file> --ignore-formatted --add-scram ...}), bootstrapping the
     * super user's SCRAM credential. With
     * {@code controller.quorum.voters} set this is a static quorum, valid for 1 and for 3 voters.
     * {@code StorageTool.execute} (unlike {@code main}) never calls {@code Exit}; failures are thrown.
     * Does nothing when the directory is already formatted.
     */
    public static boolean formatIfNeeded(int nodeId, String clusterId, Path logDir, Path serverProperties,
            ScramLogin superUser) throws IOException {
        if (isFormatted(logDir)) {
            return false;
        }
        Files.createDirectories(logDir);
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(new String[] {
                "format", "--cluster-id", clusterId, "--config", serverProperties.toString(), "--ignore-formatted",
                // The super user's SCRAM credential is written into the bootstrap metadata (StorageTool's
                // --add-scram, Formatter.setScramArguments): the brokers need it to log in to each other
                // before anyone could create it through the Admin API.
                "--add-scram", ScramLogin.MECHANISM + "=[name=" + superUser.username() + ",password="
                    + superUser.password() + "]"
            }, out);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot format Kafka storage of node " + nodeId + " in " + logDir + ": "
                + e.getMessage() + " " + buffer.toString(StandardCharsets.UTF_8).trim(), e);
        }
        String output = buffer.toString(StandardCharsets.UTF_8).trim();
        if (rc != 0 || !isFormatted(logDir)) {
            throw new IllegalStateException("cannot format Kafka storage of node " + nodeId + " in " + logDir
                + " (exit " + rc + "): " + output);
        }
        LOG.debug("formatted node {}: {}", nodeId, output);
        return true;
    }
}
