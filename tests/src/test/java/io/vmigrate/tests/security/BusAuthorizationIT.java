package io.vmigrate.tests.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.cli.datadir.ClientConfigFiles;
import io.vmigrate.cli.datadir.ScramLogin;
import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.embedded.security.BusAcls;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.Suite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bus of {@code vmigrate up} on a real broker: SASL SCRAM-SHA-512 logins and {@code StandardAuthorizer}
 * ACLs. Each principal is tried with a plain Kafka client holding its own login from the data directory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BusAuthorizationIT {

    private static final Duration REFUSAL_TIMEOUT = Duration.ofSeconds(30);

    private EmbeddedSystem system;
    private Topics topics;

    @BeforeAll
    void startSystem(@TempDir Path dataDir) {
        system = EmbeddedSystem.builder().dataDir(dataDir).hosts(2).vmsPerHost(1).suite(Suite.INTL)
                .defaultDeadline(Duration.ofSeconds(45)).deregisterRetry(Duration.ofSeconds(2)).build().start();
        topics = system.topics();
    }

    @AfterAll
    void stopSystem() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void aHostReadsItsOwnCommandsButNotAnotherHostsAndWritesNoCenterTopic() {
        Map<String, Object> h1 = system.clientProperties(BusAcls.hostPrincipal("h1"));

        assertThat(endOffsets(h1, topics.hostCommands("h1").name())).as("its own command topic").isNotEmpty();
        assertThatThrownBy(() -> readFromStart(h1, topics.hostCommands("h2").name()))
                .isInstanceOf(TopicAuthorizationException.class)
                .satisfies(e -> assertThat(((TopicAuthorizationException) e).unauthorizedTopics())
                        .containsExactly("host.h2.commands"));
        for (String centerOnly : List.of(topics.trustRegistry().name(), topics.migrationAudit().name(),
                topics.vmInventory().name(), topics.hostCommands("h1").name(), topics.hostCommands("h2").name())) {
            assertThat(produceRefusal(h1, centerOnly)).as("h1 writing %s", centerOnly)
                    .isInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void anAuditorReadsButCannotProduce() {
        Map<String, Object> auditor = system.clientProperties(BusAcls.AUDITOR);

        assertThat(endOffsets(auditor, topics.migrationAudit().name())).isNotEmpty();
        for (String topic : List.of(topics.migrationRequests().name(), topics.trustRegistry().name(),
                topics.hostEvents().name())) {
            assertThat(produceRefusal(auditor, topic)).as("auditor writing %s", topic)
                    .isInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void anOperatorRequestsMigrationsButWritesNothingTheCenterOwns() {
        Map<String, Object> operator = system.clientProperties(BusAcls.OPERATOR);
        for (String topic : List.of(topics.trustRegistry().name(), topics.vmInventory().name(),
                topics.hostCommands("h1").name(), topics.hostEvents().name())) {
            assertThat(produceRefusal(operator, topic)).as("operator writing %s", topic)
                    .isInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void aClientWithoutOrWithWrongCredentialsCannotConnect() {
        Map<String, Object> wrongPassword = new HashMap<>(system.clientProperties(BusAcls.AUDITOR));
        wrongPassword.put("sasl.jaas.config", new ScramLogin(BusAcls.AUDITOR, "guessed-password").jaasConfig());
        assertThatThrownBy(() -> describeCluster(wrongPassword))
                .hasRootCauseInstanceOf(SaslAuthenticationException.class);

        Map<String, Object> unknownUser = new HashMap<>(system.clientProperties(BusAcls.AUDITOR));
        unknownUser.put("sasl.jaas.config", ScramLogin.generate("host-h9").jaasConfig());
        assertThatThrownBy(() -> describeCluster(unknownUser))
                .hasRootCauseInstanceOf(SaslAuthenticationException.class);

        // No SASL handshake at all: the broker answers no request, so the client only ever times out.
        Map<String, Object> anonymous = Map.of("bootstrap.servers", system.bootstrapServers());
        assertThatThrownBy(() -> describeCluster(anonymous))
                .hasRootCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
    }

    @Test
    void everyPrincipalHasItsOwnOwnerOnlyLoginFile() throws Exception {
        Map<String, String> passwords = new HashMap<>();
        for (String principal : List.of("admin", BusAcls.CENTER, BusAcls.OPERATOR, BusAcls.AUDITOR,
                BusAcls.hostPrincipal("h1"), BusAcls.hostPrincipal("h2"))) {
            for (Path file : List.of(ClientConfigFiles.javaFile(system.dataDir(), principal),
                    ClientConfigFiles.kcatFile(system.dataDir(), principal))) {
                assertThat(Files.getPosixFilePermissions(file)).as(file.toString())
                        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            }
            passwords.put(principal, ClientConfigFiles.loadOrCreate(system.dataDir(), principal).password());
        }
        assertThat(passwords.values()).doesNotHaveDuplicates();
    }

    @Test
    void aMigrationCompletesWithEveryComponentOnItsOwnPrincipal() {
        // The center and both agents run with their own logins (see EmbeddedSystem); so does the operator, who
        // also signs the request with its operator key.
        Operator operator = system.operator();
        String vm = system.sampleVmIds().get(0);
        VmInventoryEntry before = operator.awaitBindings(List.of(vm), Duration.ofSeconds(60)).get(vm);
        String to = before.getBinding().getHostId().equals("h1") ? "h2" : "h1";

        var request = operator.newRequest(vm, to, Optional.empty(), Optional.empty(), "bus-authorization-it");
        Optional<MigrationWatcher.Outcome> outcome = operator.sendAndAwait(request, Duration.ofSeconds(90), step -> { });

        assertThat(outcome).map(MigrationWatcher.Outcome::finalStep).contains(MigrationStep.DONE);
        Map<String, VmInventoryEntry> after = new HashMap<>();
        TopicSnapshot.readToEnd(system.clientProperties(BusAcls.AUDITOR), topics.vmInventory(), after::put);
        assertThat(after.get(vm).getBinding().getHostId()).isEqualTo(to);
        assertThat(after.get(vm).getBinding().getEpoch()).isEqualTo(before.getBinding().getEpoch() + 1);
    }

    private static Map<TopicPartition, Long> endOffsets(Map<String, Object> client, String topic) {
        return TopicSnapshot.endOffsets(client, topic);
    }

    private static void readFromStart(Map<String, Object> client, String topic) {
        Map<String, Object> props = new HashMap<>(TopicSnapshot.consumerProperties(client));
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) REFUSAL_TIMEOUT.toMillis());
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            consumer.poll(REFUSAL_TIMEOUT);
        }
    }

    /** What the broker answers to one record on {@code topic} (a plain, non-idempotent producer). */
    private static Throwable produceRefusal(Map<String, Object> client, String topic) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) REFUSAL_TIMEOUT.toMillis());
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) REFUSAL_TIMEOUT.toMillis());
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, "k".getBytes(), "forged".getBytes()))
                    .get(REFUSAL_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (RuntimeException e) {
            return e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void describeCluster(Map<String, Object> client) throws Exception {
        Map<String, Object> props = new HashMap<>(client);
        props.put("default.api.timeout.ms", 5000);
        props.put("request.timeout.ms", 2000);
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
        }
    }
}
