package io.vmigrate.cli;

import io.vmigrate.cli.broker.BrokerAddressFile;
import io.vmigrate.cli.broker.EmbeddedKafkaCluster;
import io.vmigrate.schema.topic.TopicProvisioner;
import io.vmigrate.schema.topic.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs vmigrate on an embedded, real, single-node KRaft broker until interrupted. Records the
 * broker's address under the data directory so that other subcommands find it without flags.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start an embedded single-node Kafka (KRaft) broker with the protocol topics and run until interrupted.")
final class UpCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--data-dir", defaultValue = "${env:VMIGRATE_DATA_DIR:-.vmigrate}",
            description = "Where the broker's logs, keys and state live (default: ${DEFAULT-VALUE}).")
    private Path dataDir;

    @Option(names = "--partitions", defaultValue = "3",
            description = "Partitions of each protocol topic (default: ${DEFAULT-VALUE}).")
    private int partitions;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stopped = new CountDownLatch(1);
        try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.singleNode(dataDir)) {
            Thread shutdown = new Thread(() -> {
                cluster.close();
                stopped.countDown();
            }, "vmigrate-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdown);

            cluster.start();
            Topics topics = Topics.withDefaultWireFormat();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
                new TopicProvisioner(admin, partitions, (short) 1).provisionShared(topics);
            }
            Path addressFile = BrokerAddressFile.location(dataDir);

            out.printf("vmigrate is up.%n");
            out.printf("  Kafka (KRaft, 1 node, cluster %s): %s%n", cluster.clusterId(), cluster.bootstrapServers());
            out.printf("  protocol topics: %s%n", String.join(", ", topics.sharedTopics().stream().map(t -> t.name()).toList()));
            out.printf("  address recorded in %s%n", addressFile.toAbsolutePath());
            out.printf("Press Ctrl-C to stop.%n");
            out.flush();
            stopped.await();
        }
        return 0;
    }
}
