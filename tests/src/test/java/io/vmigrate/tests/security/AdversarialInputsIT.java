package io.vmigrate.tests.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vmigrate.center.CenterConfig;
import io.vmigrate.center.MicrometerCenterMetrics;
import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.embedded.security.BusAcls;
import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.common.Direction;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.MessageCatalogue;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.registry.HostEnrollmentRequested;
import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.request.HostApproval;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.tests.security.AdversaryBus.Written;
import io.vmigrate.tests.security.Fate.Alerted;
import io.vmigrate.tests.security.Fate.AlertedDownstream;
import io.vmigrate.tests.security.Fate.AuditedIgnored;
import io.vmigrate.tests.security.Fate.DeadLettered;
import io.vmigrate.tests.security.Fate.RegistryIgnored;
import io.vmigrate.tests.security.Fate.Unchanged;
import io.vmigrate.trust.Suite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 8's adversarial suite, on a real broker with real secure zones: a plain producer holding no key
 * (the bus's super user, so the broker's ACLs are not what stops it) writes to every topic a component
 * reads, one batch per input: the center's {@code migration.requests}, {@code host.approvals},
 * {@code host.events}, {@code vm.registrations}, {@code host.enrollments}, the global store's
 * {@code trust.registry}, and each host agent's {@code host.<id>.commands}. Each batch holds random
 * bytes, a truncated real record, a real record under an unknown schema fingerprint, a null value, a
 * record as large as the broker takes, a real record of another type, and, from records captured off
 * the bus, a copy of a real signed record with one field flipped for each of its fields, exact replays
 * (same and another partition), another host's command and a real record under another key. A real
 * signed migration is sent in the middle of every batch.
 *
 * <p>After each batch: the center is RUNNING and has committed past every record, both agents run and
 * have committed past theirs, every record met exactly the fate its input's code path gives it
 * ({@link Fate}: dead-lettered with its reason by the component that read it, alerted, audited as
 * ignored, unchanged, or ignored and counted by the registry), the mid-batch migration is DONE and a
 * further migration is DONE too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdversarialInputsIT {

    private static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration FATE_TIMEOUT = Duration.ofSeconds(90);
    private static final String CENTER = "center";
    private static final String CENTER_GROUP = "vmigrate-center";
    private static final int PARTITIONS = 3;
    private static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);
    private static final SingleObjectCodec<OperatorRequest> REQUESTS = SingleObjectCodec.of(OperatorRequest.class);

    private EmbeddedSystem system;
    private Topics topics;
    private AdversaryBus bus;
    private final AtomicInteger vmCounter = new AtomicInteger();

    /** A migration this test ran as an operator would, and the real records it left on the bus. */
    private record RealMigration(String vmId, String migrationId, OperatorRequest request, MigrationWatcher.Outcome outcome) {
    }

    @BeforeAll
    void startSystem(@TempDir Path dataDir) throws Exception {
        system = EmbeddedSystem.builder().dataDir(dataDir).hosts(2).vmsPerHost(1).suite(Suite.INTL)
                .partitions(PARTITIONS).defaultDeadline(Duration.ofSeconds(60)).deregisterRetry(Duration.ofSeconds(2))
                // Captured commands stay within their lifetime for the whole class, so another host's
                // command is refused for naming another host, not for having expired.
                .centerSetting(CenterConfig.COMMAND_TTL_MS, String.valueOf(Duration.ofMinutes(10).toMillis()))
                .build().start();
        topics = system.topics();
        // The attacker: the cluster's super user from clients/admin.properties, and no signing key at all.
        bus = new AdversaryBus(system.clientProperties("admin"));
    }

    @AfterAll
    void stopSystem() {
        if (bus != null) {
            bus.close();
        }
        if (system != null) {
            system.close();
        }
    }

    // --- the center's inputs

    @Test
    void migrationRequests() throws Exception {
        String vm = newVm("h1");
        RealMigration first = migrate(vm, "h2");
        byte[] key = utf8(vm);
        byte[] real = REQUESTS.encode(first.request());
        String topic = Topics.MIGRATION_REQUESTS;
        List<Written> written = new ArrayList<>();
        Function<RefusalReason, Fate> refused = reason -> DeadLettered.by(CENTER, reason, true);

        written.addAll(bytesKinds(topic, key, real, replyOf(first), refused.apply(RefusalReason.MALFORMED)));
        written.add(bus.write("unsigned MigrationRequested", topic, null, key,
                SingleObjectCodec.of(MigrationRequested.class).encode(body(first)), refused.apply(RefusalReason.NOT_SIGNED)));
        for (var flip : FieldFlips.of(first.request(), OperatorRequest.class)) {
            written.add(bus.write("flipped " + flip.field(), topic, null, key, REQUESTS.encode(flip.record()),
                    refused.apply(requestFlipReason(flip.field()))));
        }
        PendingMigration mid = startMigration(vm, "h1");
        // After the mid-batch request the VM's current migration is that one, so the replayed id is one used before.
        written.add(bus.write("exact replay", topic, null, key, real,
                new AlertedDownstream(RefusalReason.REPLAYED, first.migrationId())));
        written.add(bus.write("replay on another partition", topic, otherPartition(vm), key, real,
                refused.apply(RefusalReason.MALFORMED)));
        written.add(bus.write("mismatched key", topic, null, utf8(otherVm(vm)), real,
                refused.apply(RefusalReason.BINDING_MISMATCH)));

        settle(written, mid, "h2");
        assertThat(rejections()).as("the replayed request is rejected under its id, as used before")
                .anySatisfy(rejection -> {
                    assertThat(rejection.getMigrationId()).isEqualTo(first.migrationId());
                    assertThat(rejection.getReason()).isEqualTo(RefusalReason.REPLAYED);
                });
    }

    @Test
    void operatorGrants() throws Exception {
        String vm = newVm("h1");
        RealMigration first = migrate(vm, "h2");
        byte[] key = utf8("an-operator-key-id");
        String topic = Topics.OPERATOR_GRANTS;
        // Operators may write grants; only admin-signed ones count. This system has no grant at all, so the real
        // signed record the kinds are made from is a migration request (the right bus, the wrong type).
        byte[] real = REQUESTS.encode(first.request());
        List<Written> written = new ArrayList<>(bytesKinds(topic, key, real,
                lastRecordOf(Topics.HOST_ENROLLMENTS, "h1").value(), DeadLettered.by(CENTER, RefusalReason.MALFORMED, true)));
        PendingMigration mid = startMigration(vm, "h1");
        written.add(bus.write("a signed migration request", topic, null, key, real,
                DeadLettered.by(CENTER, RefusalReason.MALFORMED, true)));

        settle(written, mid, "h2");
    }

    @Test
    void centerKeyRotations() throws Exception {
        String vm = newVm("h1");
        RealMigration first = migrate(vm, "h2");
        var centerKey = system.center().centerPublicKey();
        byte[] key = utf8("center");
        String topic = Topics.CENTER_KEY_ROTATIONS;
        // Only the center writes here (after its gate verified an ADMIN's request); the trigger verifies each
        // record again and ignores, with a log line, whatever is not an ADMIN's signed rotation request.
        byte[] real = REQUESTS.encode(first.request());
        List<Written> written = new ArrayList<>(bytesKinds(topic, key, real,
                lastRecordOf(Topics.HOST_ENROLLMENTS, "h1").value(), new Unchanged()));
        PendingMigration mid = startMigration(vm, "h1");
        written.add(bus.write("an operator's signed migration request", topic, null, key, real, new Unchanged()));

        settle(written, mid, "h2");
        assertThat(system.center().centerPublicKey()).as("the center signs with the same key").isEqualTo(centerKey);
    }

    @Test
    void operatorRegistry() throws Exception {
        String vm = newVm("h1");
        RealMigration first = migrate(vm, "h2");
        double ignoredBefore = registryRecordsIgnored();
        String topic = Topics.OPERATOR_REGISTRY;
        // The center's global operator-registry store takes only admin-signed grants; this system has none, so
        // every record is one it must ignore and count, never trust.
        List<Written> written = new ArrayList<>(bytesKinds(topic, utf8("an-operator-key-id"), REQUESTS.encode(first.request()),
                lastRecordOf(Topics.HOST_ENROLLMENTS, "h1").value(), new RegistryIgnored()));
        PendingMigration mid = startMigration(vm, "h1");
        long ignored = written.size();

        await().atMost(FATE_TIMEOUT).untilAsserted(() ->
                assertThat(registryRecordsIgnored() - ignoredBefore).as("registry records ignored").isGreaterThanOrEqualTo(ignored));
        settle(written, mid, "h2");
    }

    @Test
    void hostApprovals() throws Exception {
        String vm = newVm("h1");
        RealMigration first = migrate(vm, "h2");
        // A real approval, as an operator signs it: of h1, already approved, so it changes nothing.
        String requestId = system.operator().sendHostRequest(HostApproval.newBuilder().setHostId("h1")
                .setFingerprint(system.host("h1").secureZoneFingerprint()).build());
        byte[] approval = await().atMost(FATE_TIMEOUT).until(() -> approvalRecord(requestId), Optional::isPresent).orElseThrow();
        OperatorRequest signedApproval = REQUESTS.decode(approval);
        byte[] key = utf8("h1");
        String topic = Topics.HOST_APPROVALS;
        List<Written> written = new ArrayList<>();
        Function<RefusalReason, Fate> refused = reason -> DeadLettered.by(CENTER, reason, true);

        written.addAll(bytesKinds(topic, key, approval, replyOf(first), refused.apply(RefusalReason.MALFORMED)));
        // A verified migration request, replayed where approvals go: of the wrong type for this input.
        written.add(bus.write("signed request of another type", topic, null, utf8(vm), REQUESTS.encode(first.request()),
                refused.apply(RefusalReason.MALFORMED)));
        for (var flip : FieldFlips.of(signedApproval, OperatorRequest.class)) {
            written.add(bus.write("flipped " + flip.field(), topic, null, key, REQUESTS.encode(flip.record()),
                    refused.apply(requestFlipReason(flip.field()))));
        }
        PendingMigration mid = startMigration(vm, "h1");
        written.add(bus.write("exact replay", topic, null, key, approval, new Unchanged()));
        written.add(bus.write("replay on another partition", topic, otherPartition("h1"), key, approval,
                refused.apply(RefusalReason.MALFORMED)));
        written.add(bus.write("mismatched key", topic, null, utf8("h2"), approval, refused.apply(RefusalReason.BINDING_MISMATCH)));

        settle(written, mid, "h2");
    }

    @Test
    void hostEvents() throws Exception {
        String vm = newVm("h1");
        RealMigration first = migrate(vm, "h2");
        ConsumerRecord<byte[], byte[]> reply = replies(first).stream()
                .filter(record -> ENVELOPES.decode(record.value()).getMessageType() == MessageType.TARGET_VM_CREATED)
                .findFirst().orElseThrow();
        SignedEnvelope envelope = ENVELOPES.decode(reply.value());
        byte[] key = utf8(vm);
        String topic = Topics.HOST_EVENTS;
        List<Written> written = new ArrayList<>();
        Fate malformed = DeadLettered.by(CENTER, RefusalReason.MALFORMED, false);

        written.addAll(bytesKinds(topic, key, reply.value(), REQUESTS.encode(first.request()), malformed));
        written.add(bus.write("command envelope", topic, null, key, commandsOf(first, "h2").get(0).value(), malformed));
        for (var flip : FieldFlips.of(envelope, SignedEnvelope.class)) {
            written.add(bus.write("flipped " + flip.field(), topic, null, key, ENVELOPES.encode(flip.record()),
                    replyFlipFate(flip.field(), flip.record())));
        }
        PendingMigration mid = startMigration(vm, "h1");
        written.add(bus.write("exact replay", topic, null, key, reply.value(), new AuditedIgnored(envelope.getMessageId())));
        written.add(bus.write("replay on another partition", topic, otherPartition(vm), key, reply.value(),
                DeadLettered.by(CENTER, RefusalReason.MALFORMED, true)));
        written.add(bus.write("mismatched key", topic, null, utf8(otherVm(vm)), reply.value(), malformed));
        // Its ids are not bounded before the partition check, and that refusal alerts naming them: a message id
        // making the record as large as the broker takes leaves no room for the dead letter's or the alert's framing.
        written.add(bus.writeLargest("longest message id on another partition", topic,
                n -> new AdversaryBus.Parts(key, ENVELOPES.encode(SignedEnvelope.newBuilder(envelope).setMessageId("m".repeat(n)).build())),
                k -> otherPartition(vm), DeadLettered.by(CENTER, RefusalReason.MALFORMED, true)));

        settle(written, mid, "h2");
    }

    @Test
    void vmRegistrations() throws Exception {
        String vm = newVm("h1");
        ConsumerRecord<byte[], byte[]> registration = lastRecordOf(Topics.VM_REGISTRATIONS, vm);
        SignedEnvelope envelope = ENVELOPES.decode(registration.value());
        RealMigration first = migrate(vm, "h2");
        byte[] key = utf8(vm);
        String topic = Topics.VM_REGISTRATIONS;
        List<Written> written = new ArrayList<>();
        // Registrations are zone-signed envelopes; every refusal is dead-lettered and alerted.
        Fate malformed = DeadLettered.by(CENTER, RefusalReason.MALFORMED, true);

        for (var flip : FieldFlips.of(envelope, SignedEnvelope.class)) {
            written.add(bus.write("flipped " + flip.field(), topic, null, key, ENVELOPES.encode(flip.record()),
                    registrationFlipFate(flip.field())));
        }
        // Before the mid-batch migration the VM is bound to h2, so h1's registration replayed contradicts it
        // (or, on a slow run, the envelope has expired since).
        written.add(bus.write("exact replay", topic, null, key, registration.value(),
                new DeadLettered(CENTER, Set.of(RefusalReason.BINDING_MISMATCH, RefusalReason.EXPIRED), true)));
        written.add(bus.write("replay on another partition", topic, otherPartition(vm), key, registration.value(), malformed));
        written.add(bus.write("mismatched key", topic, null, utf8(otherVm(vm)), registration.value(), malformed));
        // Keyed by its own VM id, as long as the broker allows, on another partition: the alert naming that id
        // (as its key) is larger than the record was.
        written.add(bus.writeLargest("longest VM id on another partition", topic, n -> {
            String longVm = "v".repeat(n);
            return new AdversaryBus.Parts(utf8(longVm), ENVELOPES.encode(SignedEnvelope.newBuilder(envelope).setVmId(longVm).build()));
        }, k -> otherPartition(new String(k, StandardCharsets.UTF_8)), malformed));
        PendingMigration mid = startMigration(vm, "h1");
        written.addAll(bytesKinds(topic, key, registration.value(), lastRecordOf(Topics.HOST_ENROLLMENTS, "h1").value(),
                malformed));

        settle(written, mid, "h2");
        assertThat(first.outcome().finalStep()).isEqualTo(MigrationStep.DONE);
    }

    @Test
    void hostEnrollments() throws Exception {
        String vm = newVm("h1");
        migrate(vm, "h2");
        // The agent's own enrollment: the first of h1's on the topic (later ones may be this test's copies).
        ConsumerRecord<byte[], byte[]> enrollment = bus.readAll(Topics.HOST_ENROLLMENTS).stream()
                .filter(record -> record.key() != null && new String(record.key(), StandardCharsets.UTF_8).equals("h1")
                        && decodes(Topics.HOST_ENROLLMENTS, record))
                .findFirst().orElseThrow();
        HostEnrollmentRequested request = SingleObjectCodec.of(HostEnrollmentRequested.class).decode(enrollment.value());
        String hostEntry = TrustRegistryEntries.hostEntryId("h1");
        ConsumerRecord<byte[], byte[]> issuedBefore = lastRecordOf(Topics.TRUST_REGISTRY, hostEntry);
        byte[] key = utf8("h1");
        String topic = Topics.HOST_ENROLLMENTS;
        List<Written> written = new ArrayList<>();
        Fate malformed = DeadLettered.by(CENTER, RefusalReason.MALFORMED, false);

        written.addAll(bytesKinds(topic, key, enrollment.value(), lastRecordOf(Topics.VM_REGISTRATIONS, vm).value(), malformed));
        for (var flip : FieldFlips.of(request, HostEnrollmentRequested.class)) {
            written.add(bus.write("flipped " + flip.field(), topic, null, key,
                    SingleObjectCodec.of(HostEnrollmentRequested.class).encode(flip.record()), enrollmentFlipFate(flip.field())));
        }
        PendingMigration mid = startMigration(vm, "h1");
        written.add(bus.write("exact replay", topic, null, key, enrollment.value(), new Unchanged()));
        written.add(bus.write("replay on another partition", topic, otherPartition("h1"), key, enrollment.value(),
                DeadLettered.by(CENTER, RefusalReason.MALFORMED, true)));
        written.add(bus.write("mismatched key", topic, null, utf8("h2"), enrollment.value(), malformed));

        settle(written, mid, "h2");
        assertThat(lastRecordOf(Topics.TRUST_REGISTRY, hostEntry).offset())
                .as("no enrollment record made the center issue h1's entry again").isEqualTo(issuedBefore.offset());
    }

    @Test
    void trustRegistry() throws Exception {
        String vm = newVm("h1");
        migrate(vm, "h2");
        String h1 = TrustRegistryEntries.hostEntryId("h1");
        String h2 = TrustRegistryEntries.hostEntryId("h2");
        ConsumerRecord<byte[], byte[]> entryH1 = lastRecordOf(Topics.TRUST_REGISTRY, h1);
        ConsumerRecord<byte[], byte[]> entryH2 = lastRecordOf(Topics.TRUST_REGISTRY, h2);
        SingleObjectCodec<TrustRegistryEntry> entries = SingleObjectCodec.of(TrustRegistryEntry.class);
        double ignoredBefore = registryRecordsIgnored();
        byte[] key = utf8(h2);
        String topic = Topics.TRUST_REGISTRY;
        List<Written> written = new ArrayList<>();

        // Every one names a key the center holds, so each also contests that key's latest record.
        written.addAll(bytesKinds(topic, key, entryH2.value(), lastRecordOf(Topics.HOST_ENROLLMENTS, "h2").value(),
                new RegistryIgnored()));
        for (var flip : FieldFlips.of(entries.decode(entryH2.value()), TrustRegistryEntry.class)) {
            written.add(bus.write("flipped " + flip.field(), topic, null, key, entries.encode(flip.record()), new RegistryIgnored()));
        }
        PendingMigration mid = startMigration(vm, "h1");
        written.add(bus.write("exact replay", topic, null, key, entryH2.value(), new Unchanged()));
        written.add(bus.write("replay on another partition", topic, otherPartition(h2), key, entryH2.value(), new Unchanged()));
        written.add(bus.write("mismatched key", topic, null, utf8(h1), entryH2.value(), new RegistryIgnored()));
        long ignored = written.stream().filter(w -> w.fate() instanceof RegistryIgnored).count();

        await().atMost(FATE_TIMEOUT).untilAsserted(() ->
                assertThat(registryRecordsIgnored() - ignoredBefore).as("registry records ignored").isGreaterThanOrEqualTo(ignored));
        // The latest record of each contested key, on the partition its key maps to, is the center's entry again.
        await().atMost(FATE_TIMEOUT).untilAsserted(() -> {
            assertThat(lastRecordOf(topic, h2, partitionOf(h2)).value()).isEqualTo(entryH2.value());
            assertThat(lastRecordOf(topic, h1, partitionOf(h1)).value()).isEqualTo(entryH1.value());
        });
        settle(written, mid, "h2");
        assertThat(registryRecordsIgnored() - ignoredBefore).as("exactly the records that are not the center's current entries")
                .isEqualTo((double) ignored);
    }

    // --- each host agent's input

    @ParameterizedTest
    @ValueSource(strings = {"h1", "h2"})
    void hostCommands(String host) throws Exception {
        String other = host.equals("h1") ? "h2" : "h1";
        String vm = newVm(other);
        RealMigration first = migrate(vm, host);
        ConsumerRecord<byte[], byte[]> command = commandsOf(first, host).stream()
                .filter(record -> ENVELOPES.decode(record.value()).getMessageType() == MessageType.CREATE_TARGET_VM)
                .findFirst().orElseThrow();
        ConsumerRecord<byte[], byte[]> othersCommand = commandsOf(first, other).get(0);
        String topic = Topics.hostCommandsTopicName(host);
        assertThat(TopicSnapshot.endOffsets(system.clientProperties("admin"), topic))
                .as("a command topic has one partition: no record of it can sit on another").hasSize(1);
        String agent = "host-agent/" + host;
        byte[] key = utf8(vm);
        List<Written> written = new ArrayList<>();
        Fate malformed = DeadLettered.by(agent, RefusalReason.MALFORMED, false);
        Fate replayed = new Alerted(RefusalReason.REPLAYED);

        written.addAll(bytesKinds(topic, key, command.value(), replyOf(first), malformed));
        written.add(bus.write("operator request", topic, null, key, REQUESTS.encode(first.request()), malformed));
        for (var flip : FieldFlips.of(ENVELOPES.decode(command.value()), SignedEnvelope.class)) {
            written.add(bus.write("flipped " + flip.field(), topic, null, key, ENVELOPES.encode(flip.record()),
                    commandFlipFate(agent, flip.field(), flip.record())));
        }
        PendingMigration mid = startMigration(vm, other);
        written.add(bus.write("exact replay", topic, null, key, command.value(), replayed));
        written.add(bus.write("another host's command", topic, null, othersCommand.key(), othersCommand.value(),
                DeadLettered.by(agent, RefusalReason.WRONG_HOST, true)));
        written.add(bus.write("mismatched key", topic, null, utf8(otherVm(vm)), command.value(), replayed));

        settle(written, mid, host);
    }

    // --- the record kinds every input gets

    /**
     * Random bytes, a truncated real record, an unknown schema fingerprint, a null value, a record as large as the
     * broker takes (its value, or its key, with random bytes for a value), a real record of another type.
     */
    private List<Written> bytesKinds(String topic, byte[] key, byte[] real, byte[] otherType, Fate fate) throws Exception {
        byte[] unknownFingerprint = real.clone();
        byte[] fingerprint = new byte[8];
        new Random(topic.hashCode()).nextBytes(fingerprint);
        System.arraycopy(fingerprint, 0, unknownFingerprint, 2, 8);
        return List.of(
                bus.write("random bytes", topic, null, key, random(300, topic.hashCode()), fate),
                bus.write("truncated", topic, null, key, Arrays.copyOf(real, real.length / 2), fate),
                bus.write("unknown schema fingerprint", topic, null, key, unknownFingerprint, fate),
                bus.write("null value", topic, null, key, null, fate),
                bus.writeLargest("maximum-size value", topic, n -> new AdversaryBus.Parts(key, random(n, 11)), null, fate),
                bus.writeLargest("maximum-size key", topic, n -> new AdversaryBus.Parts(random(n, 5), random(64, 6)), null, fate),
                bus.write("another type", topic, null, key, otherType, fate));
    }

    private static RefusalReason requestFlipReason(String field) {
        return switch (field) {
            case "subject" -> RefusalReason.BINDING_MISMATCH;
            case "operatorKeyId" -> RefusalReason.UNKNOWN_SIGNER;
            default -> RefusalReason.SIGNATURE_INVALID;
        };
    }

    private static Fate replyFlipFate(String field, SignedEnvelope flipped) {
        return switch (field) {
            case "direction", "vmId" -> DeadLettered.by(CENTER, RefusalReason.MALFORMED, false);
            case "hostId", "signerKeyId" -> DeadLettered.by(CENTER, RefusalReason.UNKNOWN_SIGNER, true);
            case "messageType" -> MessageCatalogue.directionOf(flipped.getMessageType()) == Direction.HOST_TO_CENTER
                    ? DeadLettered.by(CENTER, RefusalReason.SIGNATURE_INVALID, true)
                    : DeadLettered.by(CENTER, RefusalReason.MALFORMED, false);
            default -> DeadLettered.by(CENTER, RefusalReason.SIGNATURE_INVALID, true);
        };
    }

    /** The center checks a registration's type, key and ids, then its host, then the zone's signature. */
    private static Fate registrationFlipFate(String field) {
        return switch (field) {
            case "messageType", "vmId", "migrationId" -> DeadLettered.by(CENTER, RefusalReason.MALFORMED, true);
            case "hostId" -> DeadLettered.by(CENTER, RefusalReason.UNKNOWN_SIGNER, true);
            case "signerKeyId" -> new DeadLettered(CENTER, Set.of(RefusalReason.UNKNOWN_SIGNER, RefusalReason.SIGNATURE_INVALID), true);
            case "direction", "suite" -> new DeadLettered(CENTER, Set.of(RefusalReason.MALFORMED, RefusalReason.SIGNATURE_INVALID), true);
            case "issuedAt", "expiresAt" -> new DeadLettered(CENTER, Set.of(RefusalReason.SIGNATURE_INVALID, RefusalReason.EXPIRED), true);
            default -> DeadLettered.by(CENTER, RefusalReason.SIGNATURE_INVALID, true);
        };
    }

    private static Fate enrollmentFlipFate(String field) {
        return switch (field) {
            case "hostId" -> DeadLettered.by(CENTER, RefusalReason.MALFORMED, false);
            // A transported key of another suite than its bytes: refused before any proof is checked.
            case "secureZoneSigningKey", "secureZoneEncapsulationKey", "agentKey" ->
                    DeadLettered.by(CENTER, RefusalReason.MALFORMED, false);
            // The proof covers the host id and the three keys, not the request time: the same enrollment again.
            case "requestedAt" -> new Unchanged();
            default -> DeadLettered.by(CENTER, RefusalReason.SIGNATURE_INVALID, true);
        };
    }

    /**
     * The agent looks a command's message id up before its zone verifies it: a flipped copy that keeps the
     * id of the command already handled is a replay; one with another id reaches the zone, which refuses it.
     */
    private static Fate commandFlipFate(String agent, String field, SignedEnvelope flipped) {
        return switch (field) {
            case "messageId" -> DeadLettered.by(agent, RefusalReason.SIGNATURE_INVALID, true);
            case "direction" -> DeadLettered.by(agent, RefusalReason.MALFORMED, false);
            case "messageType" -> MessageCatalogue.isCommand(flipped.getMessageType())
                    ? new Alerted(RefusalReason.REPLAYED)
                    : DeadLettered.by(agent, RefusalReason.MALFORMED, false);
            default -> new Alerted(RefusalReason.REPLAYED);
        };
    }

    // --- after each batch

    /** Waits until every written record met its fate and the components moved past them; then migrations still complete. */
    private void settle(List<Written> written, PendingMigration mid, String finalDestination) throws Exception {
        await().atMost(FATE_TIMEOUT).untilAsserted(() -> assertProgress(written));
        await().atMost(FATE_TIMEOUT).untilAsserted(() -> assertFates(written));
        assertHealthy();
        assertThat(mid.await()).as("the migration sent in the middle of the batch").isEqualTo(MigrationStep.DONE);
        assertThat(migrate(mid.vmId(), finalDestination).outcome().finalStep()).as("a migration after the batch")
                .isEqualTo(MigrationStep.DONE);
        assertHealthy();
    }

    private void assertHealthy() {
        assertThat(system.center().state()).as("the center").isEqualTo(KafkaStreams.State.RUNNING);
        for (String host : system.hostIds()) {
            assertThat(system.host(host).agentRunning()).as("agent of %s", host).isTrue();
        }
    }

    /** The consumer that reads each record committed an offset past it (the global registry store keeps no group). */
    private void assertProgress(List<Written> written) throws Exception {
        for (Written record : written) {
            Optional<String> host = Topics.hostIdOfCommandTopic(record.topic());
            if (record.topic().equals(Topics.TRUST_REGISTRY) || record.topic().equals(Topics.OPERATOR_REGISTRY)) {
                // Read by global stores, which have no consumer group.
                continue;
            }
            String group = host.map(h -> system.host(h).agentConsumerGroup())
                    .orElse(record.topic().equals(Topics.CENTER_KEY_ROTATIONS) ? CENTER_GROUP + "-key-rotation" : CENTER_GROUP);
            assertThat(bus.committedOffset(group, record.topic(), record.partition()))
                    .as("%s committed past %s (%s)", group, record.coordinates(), record.kind()).isGreaterThan(record.offset());
        }
        assertHealthy();
    }

    private void assertFates(List<Written> written) {
        Map<String, Map<String, String>> letters = new HashMap<>();
        for (var record : bus.readAll(Topics.DEAD_LETTER)) {
            Map<String, String> headers = AdversaryBus.headers(record);
            letters.put(headers.get(DeadLetterHeaders.SOURCE_TOPIC) + "-" + headers.get(DeadLetterHeaders.SOURCE_PARTITION)
                    + "@" + headers.get(DeadLetterHeaders.SOURCE_OFFSET), headers);
        }
        Map<String, SecurityAlert> alerts = new HashMap<>();
        List<SecurityAlert> everyAlert = new ArrayList<>();
        TopicSnapshot.readToEnd(system.clientProperties(BusAcls.AUDITOR), topics.securityAlerts(), (key, alert) -> {
            everyAlert.add(alert);
            if (alert.getSourceTopic() != null) {
                alerts.put(alert.getSourceTopic() + "-" + alert.getSourcePartition() + "@" + alert.getSourceOffset(), alert);
            }
        });
        List<AuditRecord> audit = new ArrayList<>();
        TopicSnapshot.readToEnd(system.clientProperties(BusAcls.AUDITOR), topics.migrationAudit(), (key, entry) -> audit.add(entry));

        for (Written record : written) {
            String at = record.coordinates();
            Map<String, String> letter = letters.get(at);
            SecurityAlert alert = alerts.get(at);
            String what = record.kind() + " at " + at;
            Fate fate = record.fate();
            if (fate instanceof DeadLettered expected) {
                assertThat(letter).as("dead letter of %s", what).isNotNull();
                assertThat(letter.get(DeadLetterHeaders.COMPONENT)).as("who set aside %s", what).isEqualTo(expected.component());
                assertThat(RefusalReason.valueOf(letter.get(DeadLetterHeaders.REASON))).as("reason for %s (%s)", what,
                        letter.get(DeadLetterHeaders.DETAIL)).isIn(expected.reasons());
                assertThat(letter.get(DeadLetterHeaders.DETAIL)).as("detail for %s", what).isNotBlank();
                if (expected.alerted()) {
                    assertThat(alert).as("alert about %s", what).isNotNull();
                    assertThat(alert.getReason()).as("alert about %s", what).isIn(expected.reasons());
                } else {
                    assertThat(alert).as("no alert about %s", what).isNull();
                }
            } else if (fate instanceof Alerted expected) {
                assertThat(letter).as("no dead letter of %s", what).isNull();
                assertThat(alert).as("alert about %s", what).isNotNull();
                assertThat(alert.getReason()).as("alert about %s (%s)", what, alert.getDetail()).isEqualTo(expected.reason());
            } else if (fate instanceof AlertedDownstream expected) {
                assertThat(letter).as("no dead letter of %s", what).isNull();
                assertThat(everyAlert).as("alert about %s", what).anySatisfy(downstream -> {
                    assertThat(downstream.getReason()).isEqualTo(expected.reason());
                    assertThat(downstream.getMigrationId()).isEqualTo(expected.migrationId());
                    assertThat(downstream.getSourceTopic()).endsWith("-claimed-migration-requests-repartition");
                });
            } else if (fate instanceof AuditedIgnored expected) {
                assertThat(letter).as("no dead letter of %s", what).isNull();
                assertThat(audit).as("audit of %s", what).anySatisfy(entry -> {
                    assertThat(entry.getRelatedMessageId()).isEqualTo(expected.messageId());
                    assertThat(entry.getDetail()).startsWith("ignored");
                });
            } else if (fate instanceof Unchanged) {
                assertThat(letter).as("no dead letter of %s", what).isNull();
                assertThat(alert).as("no alert about %s", what).isNull();
            } else if (fate instanceof RegistryIgnored) {
                assertThat(letter).as("no dead letter of %s", what).isNull();
            } else {
                throw new IllegalStateException("unknown fate " + fate);
            }
        }
    }

    // --- real traffic

    private record PendingMigration(String vmId, String migrationId, Map<TopicPartition, Long> positions, Map<String, Object> client,
            Topics topics) {
        MigrationStep await() {
            try (MigrationWatcher watcher = MigrationWatcher.from(client, topics, positions)) {
                Optional<MigrationWatcher.Outcome> outcome = watcher.await(migrationId, OUTCOME_TIMEOUT, step -> { });
                assertThat(outcome).as("migration %s of %s ended", migrationId, vmId).isPresent();
                return outcome.get().finalStep();
            }
        }
    }

    private String newVm(String host) {
        String vmId = "adv-" + vmCounter.incrementAndGet() + "-" + host;
        system.addVm(host, vmId, OUTCOME_TIMEOUT);
        return vmId;
    }

    /** Sends a real signed migration request on the operator's login and returns at once. */
    private PendingMigration startMigration(String vmId, String to) {
        var operator = system.operator();
        Map<String, Object> client = system.clientProperties(BusAcls.OPERATOR);
        MigrationRequested request = operator.newRequest(vmId, to, Optional.empty(), Optional.empty(), "adversarial-it");
        var positions = MigrationWatcher.positionsNow(client);
        operator.send(request);
        return new PendingMigration(vmId, request.getMigrationId(), positions, client, topics);
    }

    /** A real migration, signed and sent as the operator does, with the signed request kept for replays. */
    private RealMigration migrate(String vmId, String to) {
        PendingMigration pending = startMigration(vmId, to);
        OperatorRequest request = await().atMost(FATE_TIMEOUT)
                .until(() -> requestRecord(pending.migrationId()), Optional::isPresent).orElseThrow();
        try (MigrationWatcher watcher = MigrationWatcher.from(pending.client(), topics, pending.positions())) {
            Optional<MigrationWatcher.Outcome> outcome = watcher.await(pending.migrationId(), OUTCOME_TIMEOUT, step -> { });
            assertThat(outcome).as("migration of %s to %s ended", vmId, to).isPresent();
            assertThat(outcome.get().finalStep()).as("migration of %s to %s", vmId, to).isEqualTo(MigrationStep.DONE);
            return new RealMigration(vmId, pending.migrationId(), request, outcome.get());
        }
    }

    /** The signed request of a migration, as it is on {@code migration.requests}. */
    private Optional<OperatorRequest> requestRecord(String migrationId) {
        for (var record : bus.readAll(Topics.MIGRATION_REQUESTS)) {
            OperatorRequest request = decodeOrNull(REQUESTS, record.value());
            if (request != null && request.getRequestType() == io.vmigrate.schema.request.OperatorRequestType.MIGRATION_REQUESTED) {
                MigrationRequested body = decodeOrNull(SingleObjectCodec.of(MigrationRequested.class),
                        io.vmigrate.schema.serde.ByteBuffers.toArray(request.getBody()));
                if (body == null || !body.getMigrationId().equals(migrationId)) {
                    continue;
                }
                return Optional.of(request);
            }
        }
        return Optional.empty();
    }

    private Optional<byte[]> approvalRecord(String requestId) {
        return bus.readAll(Topics.HOST_APPROVALS).stream()
                .filter(record -> {
                    OperatorRequest request = decodeOrNull(REQUESTS, record.value());
                    return request != null && request.getRequestId().equals(requestId);
                })
                .map(ConsumerRecord::value).findFirst();
    }

    private static MigrationRequested body(RealMigration migration) {
        return SingleObjectCodec.of(MigrationRequested.class).decode(
                io.vmigrate.schema.serde.ByteBuffers.toArray(migration.request().getBody()));
    }

    private List<ConsumerRecord<byte[], byte[]>> replies(RealMigration migration) {
        return envelopesOf(Topics.HOST_EVENTS, migration.migrationId());
    }

    private byte[] replyOf(RealMigration migration) {
        return replies(migration).get(0).value();
    }

    private List<ConsumerRecord<byte[], byte[]>> commandsOf(RealMigration migration, String host) {
        return envelopesOf(Topics.hostCommandsTopicName(host), migration.migrationId());
    }

    private List<ConsumerRecord<byte[], byte[]>> envelopesOf(String topic, String migrationId) {
        List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
        for (var record : bus.readAll(topic)) {
            SignedEnvelope envelope = decodeOrNull(ENVELOPES, record.value());
            if (envelope != null && envelope.getMigrationId().equals(migrationId)) {
                found.add(record);
            }
        }
        assertThat(found).as("real envelopes of migration %s on %s", migrationId, topic).isNotEmpty();
        return found;
    }

    private ConsumerRecord<byte[], byte[]> lastRecordOf(String topic, String key) {
        return lastRecordOf(topic, key, null);
    }

    /** The latest record of {@code key} (on {@code partition}, if given) with a value that decodes as the topic's type. */
    private ConsumerRecord<byte[], byte[]> lastRecordOf(String topic, String key, Integer partition) {
        ConsumerRecord<byte[], byte[]> last = null;
        for (var record : bus.readAll(topic)) {
            if (record.key() != null && key.equals(new String(record.key(), StandardCharsets.UTF_8))
                    && (partition == null || record.partition() == partition) && (partition != null || decodes(topic, record))) {
                last = record;
            }
        }
        assertThat(last).as("a record of %s on %s", key, topic).isNotNull();
        return last;
    }

    private boolean decodes(String topic, ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return false;
        }
        Class<? extends SpecificRecord> type = switch (topic) {
            case Topics.TRUST_REGISTRY -> TrustRegistryEntry.class;
            case Topics.HOST_ENROLLMENTS -> HostEnrollmentRequested.class;
            case Topics.VM_REGISTRATIONS -> SignedEnvelope.class;
            default -> throw new IllegalArgumentException(topic);
        };
        return decodeOrNull(SingleObjectCodec.of(type), record.value()) != null
                && (!topic.equals(Topics.TRUST_REGISTRY) || TrustRegistryEntries.isSignedBy(
                        SingleObjectCodec.of(TrustRegistryEntry.class).decode(record.value()),
                        io.vmigrate.trust.CryptoSuites.get(system.suite()).verifier(system.center().centerPublicKey())));
    }

    private List<MigrationRejected> rejections() {
        List<MigrationRejected> rejections = new ArrayList<>();
        TopicSnapshot.readToEnd(system.clientProperties(BusAcls.AUDITOR), topics.migrationRejections(), (key, r) -> rejections.add(r));
        return rejections;
    }

    private double registryRecordsIgnored() {
        return system.center().meterRegistry().find(MicrometerCenterMetrics.REGISTRY_RECORDS_IGNORED).counters().stream()
                .mapToDouble(counter -> counter.count()).sum();
    }

    /** Another VM of this system than {@code vmId}: a real key that does not match the record's body. */
    private String otherVm(String vmId) {
        return system.sampleVmIds().stream().filter(vm -> !vm.equals(vmId)).findFirst().orElseThrow();
    }

    private static int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(utf8(key))) % PARTITIONS;
    }

    private static int otherPartition(String key) {
        return (partitionOf(key) + 1) % PARTITIONS;
    }

    private static <T extends SpecificRecord> T decodeOrNull(SingleObjectCodec<T> codec, byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return codec.decode(value);
        } catch (SingleObjectCodec.CodecException e) {
            return null;
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
