package io.vmigrate.tests.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vmigrate.center.MicrometerCenterMetrics;
import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.HostEnrollment;
import io.vmigrate.schema.registry.HostEnrollmentRequested;
import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.reply.VmDeregistered;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import io.vmigrate.schema.topic.Topic;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.Verifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, findings 2 and 5, on a real broker with real secure zones: a plain producer holding no key
 * writes to {@code trust.registry} and to every other input of the center. The center stays RUNNING,
 * comes up RUNNING again over the same topics (its global store bootstrapped from scratch), migrations
 * still complete, bad input is dead-lettered with its reason, and the latest record of every key the
 * center holds on the registry is the center's own entry again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrustRegistryIntegrityIT {

    private static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STATE_TIMEOUT = Duration.ofSeconds(60);
    private static final Suite SUITE = Suite.INTL;

    private EmbeddedSystem system;
    private final CryptoSuite crypto = CryptoSuites.get(SUITE);
    private final Signer stranger = crypto.signer(crypto.generateSigningKey());
    private final AtomicInteger vmCounter = new AtomicInteger();

    @BeforeAll
    void startSystem(@TempDir Path dataDir) {
        system = EmbeddedSystem.builder().dataDir(dataDir).hosts(2).vmsPerHost(0).suite(SUITE)
                .defaultDeadline(Duration.ofSeconds(45)).deregisterRetry(Duration.ofSeconds(2)).build().start();
    }

    @AfterAll
    void stopSystem() {
        if (system != null) {
            system.close();
        }
    }

    // (a) finding 2: undecodable, truncated and unsigned records on the registry stop nothing, not even a restart.
    @Test
    void poisonOnTheRegistryStopsNeitherTheCenterNorItsRestart() throws Exception {
        String vm = newVm("h1");
        double ignoredBefore = registryRecordsIgnored();
        byte[] entry = registryBytes(foreignHostEntry("h9"));
        produceRaw(Topics.TRUST_REGISTRY, utf8("host:h9"), utf8("not a registry entry"));
        produceRaw(Topics.TRUST_REGISTRY, utf8("host:h9"), Arrays.copyOf(entry, entry.length / 2));
        produceRaw(Topics.TRUST_REGISTRY, utf8("host:h9"), entry);
        produceRaw(Topics.TRUST_REGISTRY, utf8("junk"), randomBytes(512, 2));
        await().atMost(STATE_TIMEOUT).until(() -> registryRecordsIgnored() >= ignoredBefore + 4);
        assertThat(system.center().state()).isEqualTo(KafkaStreams.State.RUNNING);
        assertThat(migrate(vm, "h2")).isEqualTo(MigrationStep.DONE);

        // The bootstrap that died on such records before: a center whose global store is read from scratch.
        system.stopCenter();
        deleteRecursively(system.dataDir().resolve("center").resolve("streams").resolve("vmigrate-center").resolve("global"));
        system.startCenter();
        awaitRunning();
        assertThat(migrate(vm, "h1")).isEqualTo(MigrationStep.DONE);
        assertThat(system.center().state()).isEqualTo(KafkaStreams.State.RUNNING);
    }

    // (b) finding 5: a tombstone and a foreign entry for an enrolled host, and a tombstone for the center's key.
    @Test
    void tombstonesAndForeignEntriesNeitherEraseAHostNorWinCompaction() throws Exception {
        String hostKey = TrustRegistryEntries.hostEntryId("h2");
        String centerKey = TrustRegistryEntries.CENTER_ENTRY_PREFIX + system.center().centerPublicKey().keyId();
        // The system is up once its sample VMs are bound; a host may still be enrolling when this runs first.
        await().atMost(STATE_TIMEOUT).until(() -> lastEntry(hostKey).isPresent());
        TrustRegistryEntry issued = lastEntry(hostKey).orElseThrow();
        assertThat(TrustRegistryEntries.isSignedBy(issued, centerVerifier())).isTrue();

        produceRaw(Topics.TRUST_REGISTRY, utf8(hostKey), null);
        long foreignOffset = produceRaw(Topics.TRUST_REGISTRY, utf8(hostKey), registryBytes(foreignHostEntry("h2"))).offset();
        long centerTombstone = produceRaw(Topics.TRUST_REGISTRY, utf8(centerKey), null).offset();

        await().atMost(STATE_TIMEOUT).untilAsserted(() -> {
            ConsumerRecord<byte[], byte[]> last = lastRecord(hostKey).orElseThrow();
            assertThat(last.offset()).isGreaterThan(foreignOffset);
            assertThat(decode(last.value())).isEqualTo(issued);
            ConsumerRecord<byte[], byte[]> lastCenter = lastRecord(centerKey).orElseThrow();
            assertThat(lastCenter.offset()).isGreaterThan(centerTombstone);
            assertThat(lastCenter.value()).isNotNull();
            assertThat(TrustRegistryEntries.isSignedBy(decode(lastCenter.value()), centerVerifier())).isTrue();
        });
        assertThat(migrate(newVm("h1"), "h2")).isEqualTo(MigrationStep.DONE);
        assertThat(system.center().state()).isEqualTo(KafkaStreams.State.RUNNING);
    }

    // (c) every other input survives any bytes: dead-lettered with its reason and origin, and the center runs on.
    @Test
    void badRecordsOnEveryOtherInputAreDeadLetteredAndTheCenterRunsOn() throws Exception {
        String vm = newVm("h1");
        List<Expected> expected = new ArrayList<>();
        for (String topic : List.of(Topics.MIGRATION_REQUESTS, Topics.HOST_EVENTS, Topics.VM_REGISTRATIONS)) {
            expected.add(produceRaw(topic, utf8(vm), randomBytes(300, topic.hashCode())).expect(RefusalReason.MALFORMED));
            expected.add(produceRaw(topic, utf8(vm), null).expect(RefusalReason.MALFORMED));
        }
        // A well-signed request under another VM's key: the signature holds, the key does not match its subject.
        expected.add(produce(system.topics().migrationRequests(), "another-vm",
                system.operator().signed(system.operator().newRequest(vm, "h2", Optional.of("h1"), Optional.empty(), "it")))
                .expect(RefusalReason.BINDING_MISMATCH));
        EnvelopeSealer forger = new EnvelopeSealer(stranger, Clock.systemUTC(), Duration.ofMinutes(1));
        expected.add(produce(system.topics().hostEvents(), "another-vm",
                forger.seal(Addressing.of("wrong-key", vm, "h1", 0), VmDeregistered.newBuilder().setMigrationId("wrong-key")
                        .setVmId(vm).setHostId("h1").setEpoch(0).setDestroyedKeyFingerprint("x")
                        .setDeregisteredAt(Instant.now()).build())).expect(RefusalReason.MALFORMED));
        expected.add(produce(system.topics().vmRegistrations(), "another-vm",
                forger.seal(Addressing.of(KeyContexts.registrationMigrationId("wrong-key-vm"), "wrong-key-vm", "h1", -1),
                        VmRegistrationRequested.newBuilder().setVmId("wrong-key-vm").setHostId("h1").setVmName("x")
                                .setRequestedAt(Instant.now()).setRequestedBy("it").build())).expect(RefusalReason.MALFORMED));
        expected.add(produceRaw(Topics.HOST_ENROLLMENTS, utf8("h7"), randomBytes(300, 7)).expect(RefusalReason.MALFORMED));
        expected.add(produceRaw(Topics.HOST_ENROLLMENTS, utf8("h7"), null).expect(RefusalReason.MALFORMED));
        expected.add(produce(system.topics().hostEnrollments(), "h8", enrollmentOf("h7")).expect(RefusalReason.MALFORMED));

        await().atMost(STATE_TIMEOUT).untilAsserted(() -> {
            List<Map<String, String>> letters = deadLetters();
            expected.forEach(letter -> assertThat(letters)
                    .as("dead letter of %s", letter)
                    .anySatisfy(headers -> {
                        assertThat(headers).containsEntry(DeadLetterHeaders.SOURCE_TOPIC, letter.written().topic());
                        assertThat(headers).containsEntry(DeadLetterHeaders.SOURCE_PARTITION,
                                String.valueOf(letter.written().partition()));
                        assertThat(headers).containsEntry(DeadLetterHeaders.SOURCE_OFFSET, String.valueOf(letter.written().offset()));
                        assertThat(headers).containsEntry(DeadLetterHeaders.REASON, letter.reason().name());
                        assertThat(headers.get(DeadLetterHeaders.DETAIL)).isNotBlank();
                    }));
        });
        assertThat(system.center().state()).isEqualTo(KafkaStreams.State.RUNNING);
        assertThat(migrate(vm, "h2")).isEqualTo(MigrationStep.DONE);

        system.restartCenter();
        awaitRunning();
        assertThat(migrate(vm, "h1")).isEqualTo(MigrationStep.DONE);
    }

    // --- helpers

    private String newVm(String hostId) {
        String vmId = "reg-" + vmCounter.incrementAndGet() + "-" + hostId;
        system.addVm(hostId, vmId, Duration.ofSeconds(60));
        return vmId;
    }

    private MigrationStep migrate(String vmId, String to) {
        var request = system.operator().newRequest(vmId, to, Optional.empty(), Optional.empty(), "it");
        Optional<MigrationWatcher.Outcome> outcome = system.operator().sendAndAwait(request, OUTCOME_TIMEOUT, step -> { });
        assertThat(outcome).as("migration of %s to %s ended", vmId, to).isPresent();
        return outcome.get().finalStep();
    }

    private void awaitRunning() {
        await().atMost(STATE_TIMEOUT).untilAsserted(() -> {
            KafkaStreams.State state = system.center().state();
            assertThat(state).isNotEqualTo(KafkaStreams.State.ERROR);
            assertThat(state).isEqualTo(KafkaStreams.State.RUNNING);
        });
    }

    private double registryRecordsIgnored() {
        return system.center().meterRegistry().find(MicrometerCenterMetrics.REGISTRY_RECORDS_IGNORED).counters().stream()
                .mapToDouble(counter -> counter.count()).sum();
    }

    private Verifier centerVerifier() {
        return crypto.verifier(system.center().centerPublicKey());
    }

    /** A well-formed host entry for {@code hostId}, with keys of no secure zone, signed by a key that is not the center's. */
    private TrustRegistryEntry foreignHostEntry(String hostId) {
        HostEnrollment host = HostEnrollment.newBuilder().setHostId(hostId)
                .setSecureZoneSigningKey(PublicKeyRecords.toRecord(crypto.generateSigningKey().publicKey()))
                .setSecureZoneEncapsulationKey(PublicKeyRecords.toRecord(crypto.generateEncapsulationKey().publicKey()))
                .setAgentKey(PublicKeyRecords.toRecord(crypto.generateSigningKey().publicKey()))
                .setCommandTopic(Topics.hostCommandsTopicName(hostId)).build();
        return TrustRegistryEntries.host(host, Instant.now(), stranger);
    }

    private HostEnrollmentRequested enrollmentOf(String hostId) {
        return HostEnrollmentRequested.newBuilder().setHostId(hostId)
                .setSecureZoneSigningKey(PublicKeyRecords.toRecord(crypto.generateSigningKey().publicKey()))
                .setSecureZoneEncapsulationKey(PublicKeyRecords.toRecord(crypto.generateEncapsulationKey().publicKey()))
                .setAgentKey(PublicKeyRecords.toRecord(crypto.generateSigningKey().publicKey()))
                .setRequestedAt(Instant.now()).setProof(ByteBuffer.wrap(new byte[64])).build();
    }

    private byte[] registryBytes(TrustRegistryEntry entry) {
        return system.topics().trustRegistry().valueSerde().serializer().serialize(Topics.TRUST_REGISTRY, entry);
    }

    private TrustRegistryEntry decode(byte[] value) {
        return system.topics().trustRegistry().valueSerde().deserializer().deserialize(Topics.TRUST_REGISTRY, value);
    }

    private Optional<TrustRegistryEntry> lastEntry(String key) {
        return lastRecord(key).filter(record -> record.value() != null).map(record -> decode(record.value()));
    }

    /** The latest record of {@code key} on the registry: what compaction keeps. */
    private Optional<ConsumerRecord<byte[], byte[]>> lastRecord(String key) {
        List<ConsumerRecord<byte[], byte[]>> matching = new ArrayList<>();
        readAll(Topics.TRUST_REGISTRY, record -> {
            if (record.key() != null && key.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                matching.add(record);
            }
        });
        return matching.isEmpty() ? Optional.empty() : Optional.of(matching.get(matching.size() - 1));
    }

    private List<Map<String, String>> deadLetters() {
        List<Map<String, String>> letters = new ArrayList<>();
        readAll(Topics.DEAD_LETTER, record -> {
            Map<String, String> headers = new HashMap<>();
            for (Header header : record.headers()) {
                headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
            }
            letters.add(headers);
        });
        return letters;
    }

    private void readAll(String topic, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        Map<String, Object> props = new HashMap<>(TopicSnapshot.consumerProperties(system.clientProperties()));
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = TopicSnapshot.partitionsOf(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(100)).forEach(sink);
            }
        }
    }

    /** Where a record landed: a dead letter names its source by topic, partition and offset. */
    private record Written(String topic, int partition, long offset) {
        static Written of(RecordMetadata metadata) {
            return new Written(metadata.topic(), metadata.partition(), metadata.offset());
        }

        Expected expect(RefusalReason reason) {
            return new Expected(this, reason);
        }
    }

    private record Expected(Written written, RefusalReason reason) {
    }

    private Written produceRaw(String topic, byte[] key, byte[] value) throws Exception {
        Map<String, Object> props = new HashMap<>(system.clientProperties());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            return Written.of(producer.send(new ProducerRecord<>(topic, key, value)).get());
        }
    }

    private <V> Written produce(Topic<String, V> topic, String key, V value) throws Exception {
        Map<String, Object> props = new HashMap<>(system.clientProperties());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(props, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
            return Written.of(producer.send(new ProducerRecord<>(topic.name(), key, value)).get());
        }
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
