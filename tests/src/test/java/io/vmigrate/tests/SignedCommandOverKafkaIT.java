package io.vmigrate.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.embedded.broker.EmbeddedKafkaBroker;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.topic.Topic;
import io.vmigrate.schema.topic.TopicProvisioner;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.Verifier;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A center command crosses a real KRaft broker: signed and single-object encoded on one side,
 * consumed, decoded and verified on the other. A tampered copy on the same topic is refused.
 */
class SignedCommandOverKafkaIT {

    @TempDir
    static Path dataDir;

    private static EmbeddedKafkaBroker kafka;
    private static final Topics TOPICS = Topics.withDefaultWireFormat();

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafkaBroker.singleNode(dataDir.resolve("kafka")).start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aSignedCommandSurvivesTheBrokerAndATamperedCopyIsRefused(Suite suite) throws Exception {
        String hostId = "h-" + suite.name().toLowerCase();
        Topic<String, SignedEnvelope> commands = TOPICS.hostCommands(hostId);
        try (Admin admin = Admin.create(kafka.adminClientProperties())) {
            new TopicProvisioner(admin, 1, (short) 1).provision(List.of(commands));
        }

        CryptoSuite crypto = CryptoSuites.get(suite);
        PrivateKeyHandle centerKey = crypto.generateSigningKey();
        Verifier centerVerifier = crypto.verifier(centerKey.publicKey());
        EnvelopeSealer sealer = new EnvelopeSealer(crypto.signer(centerKey), Clock.systemUTC(), Duration.ofMinutes(5));
        EnvelopeOpener opener = new EnvelopeOpener(
                keyId -> keyId.equals(centerVerifier.keyId().toString()) ? Optional.of(centerVerifier) : Optional.empty(),
                Clock.systemUTC(), Duration.ofSeconds(30));

        String migrationId = UUID.randomUUID().toString();
        DeregisterVm body = DeregisterVm.newBuilder().setMigrationId(migrationId).setVmId("vm-42").setEpoch(1)
                .setRetiredKeyFingerprint(centerVerifier.keyId().toString()).build();
        SignedEnvelope sealed = sealer.seal(Addressing.of(migrationId, "vm-42", hostId, 1), body);
        byte[] genuine = commands.valueSerde().serializer().serialize(commands.name(), sealed);
        byte[] tampered = genuine.clone();
        tampered[tampered.length - 80] ^= 0x01; // inside the body or signature, past the header

        try (var producer = new KafkaProducer<>(client(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                commands.keySerde().serializer(), commands.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(commands.name(), "vm-42", sealed)).get();
        }
        try (var rawProducer = new KafkaProducer<>(client(ProducerConfig.ACKS_CONFIG, "all"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            rawProducer.send(new ProducerRecord<>(commands.name(), "vm-42".getBytes(), tampered)).get();
        }

        List<ConsumerRecord<byte[], byte[]>> received = consumeAll(commands.name(), 2);
        assertThat(received).hasSize(2);

        SignedEnvelope first = commands.valueSerde().deserializer().deserialize(commands.name(), received.get(0).value());
        OpenedEnvelope opened = opener.open(first);
        assertThat(opened.body(DeregisterVm.class)).isEqualTo(body);
        assertThat(opened.envelope().getHostId()).isEqualTo(hostId);

        assertThatThrownBy(() -> opener.open(
                commands.valueSerde().deserializer().deserialize(commands.name(), received.get(1).value())))
                .isInstanceOfSatisfying(EnvelopeRefusedException.class,
                        e -> assertThat(e.reason()).isIn(RefusalReason.SIGNATURE_INVALID, RefusalReason.MALFORMED));
    }

    /** The broker's super user's settings plus {@code keysAndValues}. */
    private static Map<String, Object> client(Object... keysAndValues) {
        Map<String, Object> props = new java.util.HashMap<>(kafka.adminClientProperties());
        for (int i = 0; i < keysAndValues.length; i += 2) {
            props.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return props;
    }

    private static List<ConsumerRecord<byte[], byte[]>> consumeAll(String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(client(
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
