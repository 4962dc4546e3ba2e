package io.vmigrate.tests.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.cli.datadir.ClientConfigFiles;
import io.vmigrate.cli.datadir.TlsTrust;
import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.embedded.broker.ListenerSecurity;
import io.vmigrate.embedded.security.BusAcls;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.tls.BusCertificateAuthority;
import io.vmigrate.trust.tls.WrongKeystorePasswordException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bus of {@code vmigrate up --tls} on a real broker: every listener {@code SASL_SSL} with a certificate from
 * the system's own CA. The system itself (center, secure zones, agents) runs over it; plain Kafka clients given
 * the principals' client files connect, clients that do not trust the bus CA fail the handshake, and clients
 * that do not speak TLS get no answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BusTlsIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private EmbeddedSystem system;
    private Path dataDir;

    @BeforeAll
    void startSystem(@TempDir Path dir) {
        dataDir = dir;
        system = EmbeddedSystem.builder().dataDir(dir).hosts(2).vmsPerHost(1).suite(Suite.INTL)
                .listenerSecurity(ListenerSecurity.SASL_SSL).build().start();
    }

    @AfterAll
    void stopSystem() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void aClientWithThePrincipalsFileConnectsOverTlsAndWorksUnderItsAcls() throws Exception {
        // The system is up: its center and agents registered the sample VMs over SASL_SSL.
        Map<String, Object> h1 = fileOf(BusAcls.hostPrincipal("h1"));
        assertThat(h1).containsEntry("security.protocol", "SASL_SSL").containsEntry("ssl.truststore.type", "PKCS12");

        assertThat(readFromStart(h1, system.topics().hostCommands("h1").name())).as("h1's own commands").isNotEmpty();

        byte[] marker = ("tls-it-" + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
        RecordMetadata written = produce(h1, system.topics().deadLetter().name(), marker);
        Map<String, Object> auditor = fileOf(BusAcls.AUDITOR);
        assertThat(readAt(auditor, new TopicPartition(written.topic(), written.partition()), written.offset()))
                .as("what h1 wrote, read back by the auditor").isEqualTo(marker);

        assertThatThrownBy(() -> readFromStart(h1, system.topics().hostCommands("h2").name()))
                .isInstanceOf(TopicAuthorizationException.class);
    }

    @Test
    void theBrokerPresentsACertificateOfTheBusCaFor127001() throws Exception {
        TlsTrust trust = system.tlsTrust().orElseThrow();
        KeyStore truststore = BusCertificateAuthority.read(trust.truststore(), trust.truststorePassword().toCharArray());
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(truststore);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        String[] hostPort = system.bootstrapServers().split(",")[0].split(":");
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            var parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            X509Certificate server = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            X509Certificate ca = (X509Certificate) truststore.getCertificate(truststore.aliases().nextElement());
            server.verify(ca.getPublicKey());
            assertThat(server.getSubjectAlternativeNames()).extracting(name -> (Object) name.get(1))
                    .contains("127.0.0.1", "localhost");
        }
    }

    @Test
    void aClientThatDoesNotTrustTheBusCaFailsTheHandshake(@TempDir Path elsewhere) throws Exception {
        Map<String, Object> withoutTruststore = new HashMap<>(fileOf(BusAcls.AUDITOR));
        withoutTruststore.keySet().removeIf(key -> key.startsWith("ssl.truststore."));
        assertThat(failureOf(withoutTruststore)).as("the JDK's default CAs").isInstanceOf(SslAuthenticationException.class);

        BusCertificateAuthority otherCa = BusCertificateAuthority.create("vmigrate bus CA", Duration.ofDays(1),
                Clock.systemUTC());
        Path otherTruststore = elsewhere.resolve("other-truststore.p12");
        otherCa.writeTruststore(otherTruststore, "other-password".toCharArray());
        Map<String, Object> trustingAnotherCa = new HashMap<>(fileOf(BusAcls.AUDITOR));
        trustingAnotherCa.put("ssl.truststore.location", otherTruststore.toString());
        trustingAnotherCa.put("ssl.truststore.password", "other-password");
        assertThat(failureOf(trustingAnotherCa)).as("another CA with the same name")
                .isInstanceOf(SslAuthenticationException.class);
    }

    @Test
    void aClientWithoutTlsGetsNoAnswerFromTheTlsListener() throws Exception {
        Map<String, Object> saslPlaintext = new HashMap<>(fileOf(BusAcls.AUDITOR));
        saslPlaintext.put("security.protocol", "SASL_PLAINTEXT");
        assertThat(failureOf(saslPlaintext)).as("valid SCRAM login without TLS")
                .isInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);

        Map<String, Object> plaintext = Map.of("bootstrap.servers", system.bootstrapServers(),
                "security.protocol", "PLAINTEXT");
        assertThat(failureOf(plaintext)).as("PLAINTEXT").isInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
    }

    @Test
    void privateKeysAreOnlyInOwnerOnlyPasswordProtectedStores() throws Exception {
        Path tls = dataDir.resolve("tls");
        List<Path> stores;
        try (Stream<Path> files = Files.list(tls)) {
            stores = files.filter(file -> file.toString().endsWith(".p12")).toList();
        }
        assertThat(stores).extracting(file -> file.getFileName().toString())
                .contains("ca.p12", "truststore.p12", "node-0.keystore.p12");
        for (Path store : stores) {
            assertThat(Files.getPosixFilePermissions(store)).as(store.toString())
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThatThrownBy(() -> BusCertificateAuthority.read(store, "not-the-password".toCharArray()))
                    .isInstanceOf(WrongKeystorePasswordException.class);
        }
        assertThat(Files.getPosixFilePermissions(tls.resolve("passwords.properties")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (Stream<Path> all = Files.walk(dataDir)) {
            for (Path file : all.filter(Files::isRegularFile).filter(f -> !f.toString().contains("/node-0/logs/")).toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)).as(file.toString())
                            .doesNotContain("PRIVATE KEY");
                }
            }
        }
        for (String principal : List.of("admin", BusAcls.CENTER, BusAcls.OPERATOR, BusAcls.AUDITOR,
                BusAcls.hostPrincipal("h1"), BusAcls.hostPrincipal("h2"))) {
            assertThat(fileOf(principal)).as(principal).containsEntry("security.protocol", "SASL_SSL");
            Path kcat = ClientConfigFiles.kcatFile(dataDir, principal);
            assertThat(Files.readAllLines(kcat)).as(kcat.toString())
                    .contains("security.protocol=SASL_SSL", "ssl.ca.location=" + tls.resolve("ca.pem").toAbsolutePath());
            assertThat(Files.getPosixFilePermissions(kcat)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
    }

    private Map<String, Object> fileOf(String principal) {
        return ClientConfigFiles.read(dataDir, principal).orElseThrow();
    }

    /** Why an Admin client with these settings cannot describe the cluster: the first Kafka error in the chain. */
    private static Throwable failureOf(Map<String, Object> client) {
        Map<String, Object> props = new HashMap<>(client);
        props.put("default.api.timeout.ms", 5000);
        props.put("request.timeout.ms", 2000);
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
            return null;
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof org.apache.kafka.common.KafkaException || t instanceof org.apache.kafka.common.errors.ApiException) {
                    return t;
                }
            }
            return e;
        }
    }

    private static List<byte[]> readFromStart(Map<String, Object> client, String topic) {
        Map<String, Object> props = new HashMap<>(TopicSnapshot.consumerProperties(client));
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) WAIT.toMillis());
        List<byte[]> values = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = TopicSnapshot.partitionsOf(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (values.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

    private static byte[] readAt(Map<String, Object> client, TopicPartition partition, long offset) {
        try (var consumer = new KafkaConsumer<>(TopicSnapshot.consumerProperties(client), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, offset);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() == offset) {
                        return record.value();
                    }
                }
            }
        }
        return null;
    }

    private static RecordMetadata produce(Map<String, Object> client, String topic, byte[] value) throws Exception {
        Map<String, Object> props = new HashMap<>(client);
        props.put("enable.idempotence", false);
        props.put("acks", "all");
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            return producer.send(new ProducerRecord<>(topic, "tls-it".getBytes(StandardCharsets.UTF_8), value))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }
}
