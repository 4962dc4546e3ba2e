package io.vmigrate.forensics;

import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.audit.AuditSigningInput;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.common.Binding;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.forensics.ExportedRecord;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.HostEnrollment;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.reply.VmDeregistered;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Suite;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;

/** Builds signed protocol records by hand, as the center and secure zones would, for replay unit tests. */
final class SyntheticLog implements LogSource {

    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    static final Topics TOPICS = Topics.withDefaultWireFormat();

    final CryptoSuite crypto = CryptoSuites.get(Suite.INTL);
    /** The center's signing key, generated here: the center's vault is not needed to sign records; replaced by {@link #rotate}. */
    CenterKey center;
    final Map<String, PrivateKeyHandle> zoneKeys = new HashMap<>();
    final List<ExportedRecord> records = new ArrayList<>();
    private final Map<String, Long> nextOffset = new HashMap<>();
    private final Map<String, AuditRecord> lastAudit = new HashMap<>();

    SyntheticLog() {
        PrivateKeyHandle centerSigningKey = crypto.generateSigningKey();
        center = new CenterKey(centerSigningKey.publicKey(), crypto.signer(centerSigningKey));
        produce(Topics.TRUST_REGISTRY, "center", TOPICS.trustRegistry().valueSerde().serializer()
                .serialize(Topics.TRUST_REGISTRY, TrustRegistryEntries.centerKey(center.centerPublicKey(), center.signer(), T0)), T0);
    }

    void enroll(String hostId) {
        PrivateKeyHandle zone = crypto.generateSigningKey();
        zoneKeys.put(hostId, zone);
        HostEnrollment host = HostEnrollment.newBuilder().setHostId(hostId)
                .setSecureZoneSigningKey(PublicKeyRecords.toRecord(zone.publicKey()))
                .setSecureZoneEncapsulationKey(PublicKeyRecords.toRecord(crypto.generateEncapsulationKey().publicKey()))
                .setAgentKey(PublicKeyRecords.toRecord(crypto.generateSigningKey().publicKey()))
                .setCommandTopic(Topics.hostCommandsTopicName(hostId)).build();
        produce(Topics.TRUST_REGISTRY, "host:" + hostId, TOPICS.trustRegistry().valueSerde().serializer()
                .serialize(Topics.TRUST_REGISTRY, TrustRegistryEntries.host(host, T0, center.signer())), T0);
    }

    /** A complete, clean migration of {@code vmId} from {@code source} (epoch) to {@code destination} (epoch + 1). */
    Migration migrate(String migrationId, String vmId, String source, String destination, long epoch, Instant start) {
        Migration m = new Migration(migrationId, vmId, source, destination, epoch, start);
        m.audit(MigrationStep.REQUESTED, 0);
        m.audit(MigrationStep.COMMANDED, 1);
        m.deliverKey(2);
        m.audit(MigrationStep.KEY_DELIVERED, 2);
        m.installReply(3);
        m.audit(MigrationStep.KEY_INSTALLED, 3);
        m.completed(4);
        m.audit(MigrationStep.COMPLETION_REPORTED, 4);
        m.audit(MigrationStep.COMMITTED, 5);
        m.inventory(5);
        m.deregister(6);
        m.audit(MigrationStep.DEREGISTER_SENT, 6);
        m.deregistered(7);
        m.audit(MigrationStep.DONE, 8);
        return m;
    }

    /**
     * Rolls the center key at {@code at} as the center does: the new key's entry signed by the old, the
     * old key's entry with its end of validity, the announcement on {@code host}'s command topic signed by
     * the old key; records made afterwards are signed by the new key. Returns the old key.
     */
    CenterKey rotate(long sequence, Instant at, Duration overlap, String host) {
        CenterKey old = center;
        PrivateKeyHandle next = crypto.generateSigningKey();
        center = new CenterKey(next.publicKey(), crypto.signer(next));
        var rotation = io.vmigrate.schema.registry.CenterKeyRotations.sign(sequence, old.signer(), center.signer(),
                next.publicKey(), at, at.plus(overlap));
        var registry = TOPICS.trustRegistry().valueSerde().serializer();
        produce(Topics.TRUST_REGISTRY, "center:" + next.keyId(), registry.serialize(Topics.TRUST_REGISTRY,
                TrustRegistryEntries.centerKey(TrustRegistryEntries.centerKeyValidity(next.publicKey(), at, null), at,
                        old.signer())), at);
        produce(Topics.TRUST_REGISTRY, "center:" + old.centerPublicKey().keyId(), registry.serialize(Topics.TRUST_REGISTRY,
                TrustRegistryEntries.centerKey(TrustRegistryEntries.centerKeyValidity(old.centerPublicKey(), T0,
                        at.plus(overlap)), at, old.signer())), at);
        SignedEnvelope announcement = new EnvelopeSealer(old.signer(), Clock.systemUTC(), Duration.ofMinutes(5))
                .seal("rotation-" + sequence, io.vmigrate.schema.registry.CenterKeyRotations.announcementTo(sequence, host),
                        rotation, at, at.plusSeconds(300));
        produce(Topics.hostCommandsTopicName(host), announcement.getVmId(), envelopeBytes(announcement), at);
        return old;
    }

    /** The center's public key and a signer with its private key. */
    record CenterKey(PublicKeyHandle centerPublicKey, Signer signer) {}

    final class Migration {
        final String id;
        final String vmId;
        final String source;
        final String destination;
        final long epoch;
        final Instant start;
        final String fingerprint;
        final PrivateKeyHandle vmKey;
        ExportedRecord lastDeregister;

        Migration(String id, String vmId, String source, String destination, long epoch, Instant start) {
            this.id = id;
            this.vmId = vmId;
            this.source = source;
            this.destination = destination;
            this.epoch = epoch;
            this.start = start;
            this.vmKey = crypto.generateSigningKey();
            this.fingerprint = vmKey.publicKey().keyId().toString();
        }

        Instant at(int second) {
            return start.plusSeconds(second);
        }

        ExportedRecord audit(MigrationStep step, int second) {
            AuditRecord previous = lastAudit.get(id);
            long sequence = previous == null ? 0 : previous.getSequence() + 1;
            byte[] previousHash = previous == null ? new byte[0] : AuditSigningInput.chainHash(previous, crypto.digest());
            boolean keyed = step == MigrationStep.COMMITTED || step == MigrationStep.DONE;
            AuditRecord record = AuditRecord.newBuilder().setMigrationId(id).setSequence(sequence).setStep(step)
                    .setRecordedAt(at(second)).setVmId(vmId).setSourceHostId(source).setDestinationHostId(destination)
                    .setEpoch(keyed ? epoch + 1 : null).setKeyFingerprint(keyed ? fingerprint : null)
                    .setPreviousHash(ByteBuffer.wrap(previousHash))
                    .setSuite(io.vmigrate.schema.common.WireSuite.INTL).setSignerKeyId(center.signer().keyId().toString())
                    .setSignature(ByteBuffer.allocate(0)).build();
            record.setSignature(ByteBuffer.wrap(center.signer().sign(AuditSigningInput.of(record),
                    AuditSigningInput.contextOf(record)).toBytes()));
            lastAudit.put(id, record);
            return produce(Topics.MIGRATION_AUDIT, id,
                    TOPICS.migrationAudit().valueSerde().serializer().serialize(Topics.MIGRATION_AUDIT, record), at(second));
        }

        ExportedRecord deliverKey(int second) {
            return deliverKeyTo(destination, destination, center.signer(), second);
        }

        ExportedRecord deliverKeyTo(String topicHost, String bindingHost, Signer signer, int second) {
            Binding binding = Binding.newBuilder().setVmId(vmId).setHostId(bindingHost).setKeyFingerprint(fingerprint)
                    .setEpoch(epoch + 1).setMigrationId(id).build();
            DeliverVmKey body = DeliverVmKey.newBuilder().setMigrationId(id).setBinding(binding)
                    .setVmPublicKey(PublicKeyRecords.toRecord(vmKey.publicKey()))
                    .setWrappedPrivateKey(ByteBuffer.wrap(new byte[] {1, 2, 3})).build();
            return command(topicHost, epoch + 1, body, signer, second);
        }

        ExportedRecord deregister(int second) {
            DeregisterVm body = DeregisterVm.newBuilder().setMigrationId(id).setVmId(vmId).setEpoch(epoch + 1)
                    .setRetiredKeyFingerprint("old").build();
            lastDeregister = command(source, epoch + 1, body, center.signer(), second);
            return lastDeregister;
        }

        ExportedRecord command(String hostId, long bindingEpoch, SpecificRecord body, Signer signer, int second) {
            SignedEnvelope envelope = new EnvelopeSealer(signer, Clock.systemUTC(), Duration.ofMinutes(5))
                    .seal(id + "/" + body.getClass().getSimpleName() + "/" + second + "/" + hostId,
                            Addressing.of(id, vmId, hostId, bindingEpoch), body, at(second), at(second).plusSeconds(300));
            return produce(Topics.hostCommandsTopicName(hostId), vmId, envelopeBytes(envelope), at(second));
        }

        ExportedRecord installReply(int second) {
            KeyInstallReply body = KeyInstallReply.newBuilder().setMigrationId(id).setVmId(vmId).setHostId(destination)
                    .setOutcome(KeyInstallOutcome.INSTALLED).setReason(null).setDetail("").setKeyFingerprint(fingerprint)
                    .setEpoch(epoch + 1).build();
            return reply(destination, body, second, "install");
        }

        ExportedRecord completed(int second) {
            return completedWithId(second, "completed");
        }

        ExportedRecord completedWithId(int second, String tag) {
            MigrationCompleted body = MigrationCompleted.newBuilder().setMigrationId(id).setVmId(vmId).setHostId(destination)
                    .setKeyFingerprint(fingerprint).setEpoch(epoch + 1).setCompletedAt(at(second)).build();
            return reply(destination, body, second, tag);
        }

        ExportedRecord deregistered(int second) {
            VmDeregistered body = VmDeregistered.newBuilder().setMigrationId(id).setVmId(vmId).setHostId(source)
                    .setEpoch(epoch + 1).setDestroyedKeyFingerprint("old").setDeregisteredAt(at(second)).build();
            return reply(source, body, second, "deregistered");
        }

        ExportedRecord reply(String hostId, SpecificRecord body, int second, String tag) {
            Signer zone = crypto.signer(zoneKeys.get(hostId));
            SignedEnvelope envelope = new EnvelopeSealer(zone, Clock.systemUTC(), Duration.ofMinutes(5))
                    .seal(id + "/" + tag + "/" + hostId, Addressing.of(id, vmId, hostId, epoch + 1), body,
                            at(second), at(second).plusSeconds(300));
            return produce(Topics.HOST_EVENTS, vmId, envelopeBytes(envelope), at(second));
        }

        ExportedRecord inventory(int second) {
            Binding binding = Binding.newBuilder().setVmId(vmId).setHostId(destination).setKeyFingerprint(fingerprint)
                    .setEpoch(epoch + 1).setMigrationId(id).build();
            VmInventoryEntry entry = VmInventoryEntry.newBuilder().setBinding(binding).setVmName(vmId)
                    .setUpdatedAt(at(second)).build();
            return produce(Topics.VM_INVENTORY, vmId,
                    TOPICS.vmInventory().valueSerde().serializer().serialize(Topics.VM_INVENTORY, entry), at(second));
        }
    }

    static byte[] envelopeBytes(SignedEnvelope envelope) {
        return TOPICS.hostEvents().valueSerde().serializer().serialize(Topics.HOST_EVENTS, envelope);
    }

    static SignedEnvelope envelopeOf(ExportedRecord record) {
        return TOPICS.hostEvents().valueSerde().deserializer().deserialize(record.getTopic(), ByteBuffers.toArray(record.getValue()));
    }

    ExportedRecord produce(String topic, String key, byte[] value, Instant timestamp) {
        long offset = nextOffset.merge(topic, 1L, Long::sum) - 1;
        ExportedRecord record = ExportedRecord.newBuilder().setTopic(topic).setPartition(0).setOffset(offset)
                .setTimestamp(timestamp).setTimestampType("CreateTime")
                .setKey(ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8))).setValue(ByteBuffer.wrap(value))
                .setHeaders(List.of()).build();
        records.add(record);
        return record;
    }

    /** Replaces {@code record}'s value in place (same coordinates), as a tampered export would. */
    void rewrite(ExportedRecord record, byte[] value) {
        record.setValue(ByteBuffer.wrap(value));
    }

    void drop(ExportedRecord record) {
        records.remove(record);
    }

    @Override
    public void read(Predicate<String> topics, Consumer<ExportedRecord> sink) {
        records.stream()
                .sorted(Comparator.comparing(ExportedRecord::getTopic).thenComparing(ExportedRecord::getPartition)
                        .thenComparing(ExportedRecord::getOffset))
                .filter(r -> topics.test(r.getTopic()))
                .forEach(sink);
    }

    @Override
    public String describe() {
        return "synthetic";
    }
}
