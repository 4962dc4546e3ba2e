package io.vmigrate.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import io.vmigrate.embedded.broker.KafkaNodeGroup;
import io.vmigrate.embedded.broker.ListenerSecurity;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Nodes running as child JVMs ({@code kafka.Kafka server.properties}). */
class ChildJvmKafkaClusterTest {

    @TempDir
    Path dataDir;

    @Test
    void childClasspathContainsKafkaEvenBehindAManifestOnlyBooterJar() {
        String cp = ChildJvmClasspath.compute();
        List<String> entries = List.of(cp.split(File.pathSeparator));
        assertThat(entries).anyMatch(e -> e.contains("kafka_2.13"));
        assertThat(entries).anyMatch(e -> e.contains("kafka-clients"));
        assertThat(entries).anyMatch(e -> e.contains("scala-library"));
        assertThat(entries).anyMatch(e -> e.contains("logback-classic"));
        assertThat(entries).allMatch(e -> Files.exists(Path.of(e)));
        String own = System.getProperty("java.class.path");
        if (own.contains("surefirebooter")) {
            // surefire's manifest-only booter jar was expanded through its Class-Path attribute
            assertThat(entries.size()).isGreaterThan(own.split(File.pathSeparator).length);
        }
    }

    @Test
    void manifestOnlyBooterJarIsExpandedThroughItsClassPathAttribute() throws Exception {
        Path kafkaJar = ChildJvmClasspath.codeSourceOf("kafka.Kafka").orElseThrow();
        Path spaced = Files.createDirectories(dataDir.resolve("dir with space/classes"));
        Path booter = Files.createDirectories(dataDir.resolve("booter")).resolve("surefirebooter-1.jar");
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        // surefire writes absolute file: URIs or URIs relative to the booter jar, percent-encoded
        mf.getMainAttributes().put(Attributes.Name.CLASS_PATH,
            kafkaJar.toUri() + " ../dir%20with%20space/classes/");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(booter), mf)) {
            out.flush();
        }
        assertThat(ChildJvmClasspath.expand(List.of(booter.toString())))
            .containsExactly(booter, kafkaJar, spaced);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void twoNodesReplicateOverSaslSslWithTheCertificatesTheGroupMakes() throws Exception {
        try (ChildJvmKafkaCluster kafka = ChildJvmKafkaCluster.of(KafkaNodeGroup.builder().dataDir(dataDir).nodes(2)
                .listenerSecurity(ListenerSecurity.SASL_SSL)).start()) {
            Map<String, Object> client = kafka.adminClientProperties();
            assertThat(client).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("ssl.truststore.location", kafka.tlsTrust().orElseThrow().truststore().toString());
            for (int node = 0; node < 2; node++) {
                assertThat(Files.readString(dataDir.resolve("node-" + node).resolve("server.properties")))
                    .contains("listener.security.protocol.map=CLIENT\\:SASL_SSL,CONTROLLER\\:SASL_SSL");
            }
            // Replication factor 2 with acks=all: the follower fetches over the TLS inter-broker listener.
            KafkaTestClients.createTopic(client, "replicated-over-tls", 1, (short) 2, Map.of("min.insync.replicas", "2"));
            KafkaTestClients.produce(client, "replicated-over-tls", "k", "over-tls");
            assertThat(KafkaTestClients.consume(client, "replicated-over-tls", 1, Duration.ofSeconds(30), false))
                .extracting(ConsumerRecord::value).containsExactly("over-tls");
        }
    }

    @SuppressWarnings("try") // close() inside try-with-resources on purpose: close is idempotent
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void singleNodeInChildJvmProducesAndConsumes() throws Exception {
        long t0 = System.nanoTime();
        try (ChildJvmKafkaCluster kafka = ChildJvmKafkaCluster.of(KafkaNodeGroup.builder().dataDir(dataDir).nodes(1))
                .start()) {
            System.out.printf("TIMING child-JVM single node start: %d ms%n", EmbeddedKafkaBrokerTest.ms(t0));
            assertThat(kafka.isNodeRunning(0)).isTrue();
            Path log = Path.of(kafka.nodeLogHint(0));
            assertThat(log).isEqualTo(dataDir.resolve("node-0/server.log"));
            // The broker really runs in another JVM: its own log file shows Kafka's startup.
            assertThat(Files.readString(log, StandardCharsets.UTF_8)).contains("ChildNodeMain").contains("Kafka");

            Map<String, Object> client = kafka.adminClientProperties();
            KafkaTestClients.createTopic(client, "child", 1, (short) 1, Map.of());
            KafkaTestClients.produce(client, "child", "k", "from-child-jvm");
            assertThat(KafkaTestClients.consume(client, "child", 1, Duration.ofSeconds(30), false))
                .extracting(ConsumerRecord::value).containsExactly("from-child-jvm");
            long c0 = System.nanoTime();
            kafka.close();
            System.out.printf("TIMING child-JVM single node close: %d ms%n", EmbeddedKafkaBrokerTest.ms(c0));
            kafka.close();
        }
    }

    @SuppressWarnings("try") // close() inside try-with-resources on purpose: close is idempotent
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void threeNodeClusterKeepsAcceptingAcksAllWritesAfterKillingTheLeader() throws Exception {
        long t0 = System.nanoTime();
        try (ChildJvmKafkaCluster kafka = ChildJvmKafkaCluster.of(KafkaNodeGroup.builder().dataDir(dataDir).nodes(3)
                // fence a killed broker quickly so the ISR shrinks fast
                .brokerProperty("broker.session.timeout.ms", "4000")
                .brokerProperty("broker.heartbeat.interval.ms", "500"))
                .start()) {
            System.out.printf("TIMING child-JVM three nodes start: %d ms%n", EmbeddedKafkaBrokerTest.ms(t0));
            assertThat(kafka.nodeCount()).isEqualTo(3);
            Map<String, Object> client = kafka.adminClientProperties();
            assertThat(KafkaTestClients.brokerIds(client)).containsExactlyInAnyOrder(0, 1, 2);

            KafkaTestClients.createTopic(client, "replicated", 1, (short) 3, Map.of("min.insync.replicas", "2"));
            TopicDescription before = describe(client, "replicated");
            assertThat(before.partitions().get(0).replicas()).hasSize(3);
            assertThat(before.partitions().get(0).isr()).hasSize(3);
            int leader = before.partitions().get(0).leader().id();

            try (KafkaProducer<String, String> producer = KafkaTestClients.producer(client, Map.of())) {
                producer.send(new ProducerRecord<>("replicated", "k", "before-kill")).get(60, TimeUnit.SECONDS);

                long k0 = System.nanoTime();
                kafka.killNode(leader);
                assertThat(kafka.isNodeRunning(leader)).isFalse();
                RecordMetadata md = producer.send(new ProducerRecord<>("replicated", "k", "after-kill"))
                    .get(100, TimeUnit.SECONDS);
                System.out.printf("TIMING acks=all produce after killing leader %d: %d ms%n", leader,
                    EmbeddedKafkaBrokerTest.ms(k0));
                assertThat(md.offset()).isEqualTo(1);
            }
            TopicDescription after = describe(client, "replicated");
            assertThat(after.partitions().get(0).leader().id()).isNotEqualTo(leader);
            assertThat(after.partitions().get(0).isr()).extracting(Node::id).doesNotContain(leader).hasSize(2);

            long r0 = System.nanoTime();
            kafka.restartNode(leader);
            System.out.printf("TIMING restart of killed node %d: %d ms%n", leader, EmbeddedKafkaBrokerTest.ms(r0));
            assertThat(KafkaTestClients.brokerIds(client)).containsExactlyInAnyOrder(0, 1, 2);
            assertThat(KafkaTestClients.consume(client, "replicated", 2, Duration.ofSeconds(60), false))
                .extracting(ConsumerRecord::value).containsExactly("before-kill", "after-kill");

            long c0 = System.nanoTime();
            kafka.close();
            System.out.printf("TIMING child-JVM three nodes close: %d ms%n", EmbeddedKafkaBrokerTest.ms(c0));
        }
        for (int id : Set.of(0, 1, 2)) {
            assertThat(dataDir.resolve("node-" + id + "/server.log")).exists();
        }
    }

    private static TopicDescription describe(Map<String, Object> client, String topic) throws Exception {
        try (Admin admin = KafkaTestClients.admin(client)) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        }
    }
}
