package io.vmigrate.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.cli.datadir.BrokerAddressFile;
import io.vmigrate.cli.datadir.ClientConfigFiles;
import io.vmigrate.cli.datadir.ScramLogin;
import io.vmigrate.embedded.broker.EmbeddedKafkaBroker;
import io.vmigrate.embedded.broker.KafkaNodeGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A single in-process KRaft node (KafkaRaftServer, combined broker+controller). */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EmbeddedKafkaBrokerTest {

    @TempDir
    Path dataDir;

    @Test
    void singleInProcessNodeProducesConsumesAndCommitsTransactions() throws Exception {
        long t0 = System.nanoTime();
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.singleNode(dataDir).start()) {
            System.out.printf("TIMING in-process single node start: %d ms%n", ms(t0));
            // in this JVM: no child process, so no child server.log; one node, id 0
            assertThat(dataDir.resolve("node-0/server.log")).doesNotExist();
            assertThat(dataDir.resolve("node-1")).doesNotExist();
            String bootstrap = kafka.bootstrapServers();
            Map<String, Object> client = kafka.adminClientProperties();
            assertThat(bootstrap).matches("127\\.0\\.0\\.1:\\d+");
            assertThat(BrokerAddressFile.read(dataDir)).contains(bootstrap);
            assertThat(KafkaTestClients.brokerIds(client)).containsExactly(0);

            KafkaTestClients.createTopic(client, "plain", 1, (short) 1, Map.of());
            RecordMetadata md = KafkaTestClients.produce(client, "plain", "k1", "v1");
            assertThat(md.offset()).isZero();
            List<ConsumerRecord<String, String>> read =
                KafkaTestClients.consume(client, "plain", 1, Duration.ofSeconds(30), false);
            assertThat(read).extracting(ConsumerRecord::value).containsExactly("v1");

            KafkaTestClients.createTopic(client, "tx", 1, (short) 1, Map.of());
            try (KafkaProducer<String, String> producer = KafkaTestClients.producer(client,
                    Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-test-1"))) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("tx", "a", "committed-1"));
                producer.send(new ProducerRecord<>("tx", "b", "committed-2"));
                producer.commitTransaction();
            }
            assertThat(KafkaTestClients.consume(client, "tx", 2, Duration.ofSeconds(30), true))
                .extracting(ConsumerRecord::value).containsExactly("committed-1", "committed-2");
        }
        assertThat(BrokerAddressFile.read(dataDir)).isEmpty();
    }

    @Test
    void closeIsIdempotentAndRestartOnSameDataDirKeepsRecords() throws Exception {
        EmbeddedKafkaBroker first = EmbeddedKafkaBroker.singleNode(dataDir).start();
        String clusterId = first.clusterId();
        KafkaTestClients.createTopic(first.adminClientProperties(), "durable", 1, (short) 1, Map.of());
        KafkaTestClients.produce(first.adminClientProperties(), "durable", "k", "before-restart");
        long c0 = System.nanoTime();
        first.close();
        System.out.printf("TIMING in-process single node close: %d ms%n", ms(c0));
        first.close();
        assertThatThrownBy(first::bootstrapServers).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(first::start).isInstanceOf(IllegalStateException.class);

        long t0 = System.nanoTime();
        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.singleNode(dataDir).start()) {
            System.out.printf("TIMING in-process single node restart on existing data: %d ms%n", ms(t0));
            assertThat(second.clusterId()).isEqualTo(clusterId);
            Map<String, Object> client = second.adminClientProperties();
            KafkaTestClients.produce(client, "durable", "k", "after-restart");
            assertThat(KafkaTestClients.consume(client, "durable", 2, Duration.ofSeconds(30), false))
                .extracting(ConsumerRecord::value).containsExactly("before-restart", "after-restart");
        }
    }

    @Test
    void autoTopicCreationIsOffByDefaultAndMismatchedNodeCountIsRejected() throws Exception {
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.singleNode(dataDir).start()) {
            try (var admin = KafkaTestClients.admin(kafka.adminClientProperties())) {
                String value = admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.BROKER, "0")))
                    .all().get(30, TimeUnit.SECONDS).values().iterator().next()
                    .get("auto.create.topics.enable").value();
                assertThat(value).isEqualTo("false");
            }
        }
        assertThat(Files.exists(dataDir.resolve("node-0/logs/meta.properties"))).isTrue();
        ChildJvmKafkaCluster wrongSize = ChildJvmKafkaCluster.of(KafkaNodeGroup.builder().dataDir(dataDir).nodes(3));
        assertThatThrownBy(wrongSize::start).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("1-node cluster");
        assertThatThrownBy(() -> KafkaNodeGroup.builder().brokerProperty("node.id", "7"))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBrokerAcceptsOnlyTheSuperUsersLoginAndKeepsItOwnerOnly() throws Exception {
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.singleNode(dataDir).start()) {
            Map<String, Object> admin = kafka.adminClientProperties();
            assertThat(admin).containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
            assertThat(KafkaTestClients.brokerIds(admin)).containsExactly(0);

            Map<String, Object> wrongPassword = new java.util.HashMap<>(admin);
            wrongPassword.put("sasl.jaas.config", new ScramLogin(KafkaNodeGroup.SUPER_USER, "not-the-password").jaasConfig());
            assertThatThrownBy(() -> KafkaTestClients.brokerIds(quick(wrongPassword)))
                .hasRootCauseInstanceOf(SaslAuthenticationException.class);
            // No SASL at all: the broker never answers a request, the client times out.
            assertThatThrownBy(() -> KafkaTestClients.brokerIds(quick(Map.of("bootstrap.servers", kafka.bootstrapServers()))))
                .hasRootCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);

            for (Path secret : List.of(ClientConfigFiles.javaFile(dataDir, KafkaNodeGroup.SUPER_USER),
                    ClientConfigFiles.kcatFile(dataDir, KafkaNodeGroup.SUPER_USER), dataDir.resolve("node-0/server.properties"))) {
                assertThat(Files.getPosixFilePermissions(secret)).as(secret.toString())
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            }
            assertThat(Files.readString(ClientConfigFiles.kcatFile(dataDir, KafkaNodeGroup.SUPER_USER)))
                .contains("bootstrap.servers=" + kafka.bootstrapServers()).contains("sasl.username=admin");
        }
    }

    private static Map<String, Object> quick(Map<String, Object> client) {
        Map<String, Object> props = new java.util.HashMap<>(client);
        props.put("default.api.timeout.ms", 5000);
        props.put("request.timeout.ms", 2000);
        return props;
    }

    @Test
    void severalNodesNeverShareThisJvm() {
        assertThatThrownBy(() -> EmbeddedKafkaBroker.of(KafkaNodeGroup.builder().dataDir(dataDir).nodes(3)))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("child JVMs");
        assertThat(ChildJvmKafkaCluster.of(KafkaNodeGroup.builder().dataDir(dataDir).nodes(3)).nodeCount()).isEqualTo(3);
    }

    static long ms(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
