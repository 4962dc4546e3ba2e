package io.vmigrate.tests.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.common.Direction;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.common.WireSuite;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import io.vmigrate.trust.Suite;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 3 of issue 8 on a real broker with real secure zones: whoever can write to a host's command
 * topic, holding no key at all, writes records that once stopped the agent for good (an abort whose
 * body does not decode, a 70,000-byte message id) and plain garbage. The agent stays up, its committed
 * offset moves past each, each is dead-lettered with a reason, no zone-signed refusal names the
 * migration they claim, and migrations to and from that host still complete.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostPoisonRecordsIT {

    private static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(90);
    private static final String HOST = "h2";
    private static final String CLAIMED_ABORT = "poison-abort";
    private static final String CLAIMED_LONG_ID = "poison-long-id";
    private static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);

    private EmbeddedSystem system;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        system = EmbeddedSystem.builder().dataDir(dataDir).hosts(2).vmsPerHost(1).suite(Suite.INTL)
                .defaultDeadline(Duration.ofSeconds(45)).build().start();
    }

    @AfterAll
    void stop() {
        if (system != null) {
            system.close();
        }
    }

    /** A command envelope as anyone can write it: plausible header, no key behind its signature. */
    private static SignedEnvelope unsigned(String messageId, String migrationId, String vmId, byte[] body) {
        Instant now = Instant.now();
        byte[] signature = new byte[64];
        new Random(3).nextBytes(signature);
        return SignedEnvelope.newBuilder()
                .setMessageId(messageId).setMessageType(MessageType.ABORT_MIGRATION).setDirection(Direction.CENTER_TO_HOST)
                .setMigrationId(migrationId).setVmId(vmId).setHostId(HOST)
                .setIssuedAt(now).setExpiresAt(now.plusSeconds(300)).setBindingEpoch(0)
                .setSuite(WireSuite.INTL).setSignerKeyId("nobody")
                .setBody(ByteBuffer.wrap(body)).setSignature(ByteBuffer.wrap(signature)).build();
    }

    @Test
    void poisonRecordsOnAHostsCommandTopicAreSetAsideAndTheHostKeepsMigrating() throws Exception {
        String vmOnHost = system.sampleVmIds().stream().filter(vm -> probeHostOf(vm).equals(HOST)).findFirst().orElseThrow();
        byte[] undecodableAbort = ENVELOPES.encode(unsigned("poison-1", CLAIMED_ABORT, vmOnHost,
                "not an AbortMigration".getBytes(StandardCharsets.UTF_8)));
        byte[] validAbortBody = SingleObjectCodec.of(AbortMigration.class).encode(AbortMigration.newBuilder()
                .setMigrationId(CLAIMED_LONG_ID).setVmId(vmOnHost).setRole(HostRole.DESTINATION)
                .setReason(RefusalReason.OPERATOR_ABORT).setDetail("poison").build());
        byte[] longMessageId = ENVELOPES.encode(unsigned("m".repeat(70_000), CLAIMED_LONG_ID, vmOnHost, validAbortBody));
        byte[] random = new byte[1024];
        new Random(8).nextBytes(random);
        byte[] truncated = Arrays.copyOf(undecodableAbort, undecodableAbort.length / 2);

        String topic = system.topics().hostCommands(HOST).name();
        Map<Long, String> poison = new LinkedHashMap<>();
        Map<String, Object> props = new HashMap<>(system.clientProperties());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            byte[] key = vmOnHost.getBytes(StandardCharsets.UTF_8);
            poison.put(producer.send(new ProducerRecord<>(topic, 0, key, undecodableAbort)).get().offset(), "undecodable abort");
            poison.put(producer.send(new ProducerRecord<>(topic, 0, key, longMessageId)).get().offset(), "70,000-byte message id");
            poison.put(producer.send(new ProducerRecord<>(topic, 0, key, random)).get().offset(), "random bytes");
            poison.put(producer.send(new ProducerRecord<>(topic, 0, key, truncated)).get().offset(), "truncated envelope");
        }
        long last = poison.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(committedOffset(topic)).as("the agent's committed offset").isGreaterThan(last));
        assertThat(system.host(HOST).agentRunning()).as("the agent is alive").isTrue();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<Long, Map<String, String>> letters = deadLettersFrom(topic);
            for (Map.Entry<Long, String> record : poison.entrySet()) {
                assertThat(letters).as(record.getValue()).containsKey(record.getKey());
                Map<String, String> headers = letters.get(record.getKey());
                assertThat(headers.get(DeadLetterHeaders.REASON)).as(record.getValue()).isNotBlank();
                assertThat(headers.get(DeadLetterHeaders.DETAIL)).as(record.getValue()).isNotBlank();
                assertThat(headers).containsEntry(DeadLetterHeaders.COMPONENT, "host-agent/" + HOST);
            }
            // The forged abort reached the secure zone, which did not admit it: reported as well.
            assertThat(alerts()).anySatisfy(alert -> {
                assertThat(alert.getMigrationId()).hasToString(CLAIMED_ABORT);
                assertThat(alert.getSourceTopic()).hasToString(topic);
            });
        });

        assertThat(hostEvents()).as("no reply names a migration the poison claims")
                .noneMatch(reply -> Set.of(CLAIMED_ABORT, CLAIMED_LONG_ID).contains(reply.getMigrationId().toString()));

        String vmElsewhere = system.sampleVmIds().stream().filter(vm -> !probeHostOf(vm).equals(HOST)).findFirst().orElseThrow();
        assertThat(migrate(vmElsewhere, HOST)).as("a migration to the host").isEqualTo(MigrationStep.DONE);
        assertThat(migrate(vmOnHost, "h1")).as("a migration from the host").isEqualTo(MigrationStep.DONE);
        assertThat(system.host(HOST).agentRunning()).isTrue();
    }

    private String probeHostOf(String vmId) {
        return system.operator().bindings().get(vmId).getBinding().getHostId().toString();
    }

    private MigrationStep migrate(String vmId, String to) {
        Operator operator = system.operator();
        MigrationRequested request = operator.newRequest(vmId, to, Optional.empty(), Optional.empty(), "it");
        Optional<MigrationWatcher.Outcome> outcome = operator.sendAndAwait(request, OUTCOME_TIMEOUT, step -> { });
        assertThat(outcome).as("migration of %s to %s ended", vmId, to).isPresent();
        return outcome.get().finalStep();
    }

    private long committedOffset(String topic) throws Exception {
        try (Admin admin = Admin.create(system.clientProperties())) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("vmigrate-host-" + HOST)
                    .partitionsToOffsetAndMetadata().get();
            OffsetAndMetadata committed = offsets.get(new TopicPartition(topic, 0));
            return committed == null ? -1 : committed.offset();
        }
    }

    /** The dead letters set aside from {@code sourceTopic}, by the offset they were read at. */
    private Map<Long, Map<String, String>> deadLettersFrom(String sourceTopic) {
        Map<Long, Map<String, String>> letters = new HashMap<>();
        Map<String, Object> props = new HashMap<>(TopicSnapshot.consumerProperties(system.clientProperties()));
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = TopicSnapshot.partitionsOf(consumer, system.topics().deadLetter().name());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (var record : consumer.poll(Duration.ofMillis(100))) {
                    Map<String, String> headers = new HashMap<>();
                    for (Header header : record.headers()) {
                        headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
                    }
                    if (sourceTopic.equals(headers.get(DeadLetterHeaders.SOURCE_TOPIC))) {
                        letters.put(Long.parseLong(headers.get(DeadLetterHeaders.SOURCE_OFFSET)), headers);
                    }
                }
            }
        }
        return letters;
    }

    private List<SecurityAlert> alerts() {
        List<SecurityAlert> alerts = new ArrayList<>();
        TopicSnapshot.readToEnd(system.clientProperties(), system.topics().securityAlerts(), (key, alert) -> alerts.add(alert));
        return alerts;
    }

    private List<SignedEnvelope> hostEvents() {
        List<SignedEnvelope> replies = new ArrayList<>();
        TopicSnapshot.readToEnd(system.clientProperties(), system.topics().hostEvents(), (key, reply) -> replies.add(reply));
        return replies;
    }
}
