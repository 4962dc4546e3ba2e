package io.vmigrate.faultrun.invariants;

import io.vmigrate.forensics.BindingRow;
import io.vmigrate.forensics.CenterBindings;
import io.vmigrate.forensics.ClusterLogSource;
import io.vmigrate.forensics.RecordCoordinates;
import io.vmigrate.forensics.ReplayEngine;
import io.vmigrate.forensics.ReplayResult;
import io.vmigrate.forensics.TrustedKeys;
import io.vmigrate.schema.audit.AuditChain;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.forensics.ExportedRecord;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.OperatorRequestType;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Verifier;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The cluster's state as the checks read it, in one bounded pass: every protocol topic read committed, each
 * partition to the end offset taken when the snapshot starts ({@link ClusterLogSource}). The same pass feeds the
 * forensic replay, so the replay and the checks see the same records. Audit records count only once their
 * center signature verifies (the replay names those that do not); inventory entries and rejections are the
 * center's own topics, which only it may write.
 */
public final class ClusterSnapshot {

    private final List<InventoryRecord> inventory;
    private final List<AuditStep> audit;
    private final List<RecordedRejection> rejections;
    private final ReplayResult replay;

    private ClusterSnapshot(List<InventoryRecord> inventory, List<AuditStep> audit, List<RecordedRejection> rejections,
            ReplayResult replay) {
        this.inventory = List.copyOf(inventory);
        this.audit = List.copyOf(audit);
        this.rejections = List.copyOf(rejections);
        this.replay = replay;
    }

    /**
     * Reads the cluster {@code kafkaClient} reaches (a client that may read every topic). The replay's binding
     * table is compared with {@code centerStatusUrl}'s {@code /vms} when given, else with {@code vm.inventory}.
     */
    public static ClusterSnapshot read(Map<String, Object> kafkaClient, Optional<PublicKeyHandle> pinnedCenterKey,
            Optional<URI> centerStatusUrl, Duration clockSkew) throws IOException {
        Topics topics = Topics.withDefaultWireFormat();
        try (ClusterLogSource source = ClusterLogSource.open(kafkaClient, null, null)) {
            TrustedKeys keys = TrustedKeys.load(source, pinnedCenterKey, topics);
            ReplayEngine engine = new ReplayEngine(keys, topics, clockSkew);
            Decoder decoder = new Decoder(topics, keys);
            source.read(topic -> true, record -> {
                engine.accept(record);
                decoder.accept(record);
            });
            Optional<Map<String, BindingRow>> center = centerStatusUrl.isPresent()
                    ? Optional.of(CenterBindings.fetch(centerStatusUrl.get())) : Optional.empty();
            return new ClusterSnapshot(decoder.inventory, decoder.audit, decoder.rejections,
                    engine.finish(source.describe(), center));
        }
    }

    /** {@code vm.inventory}, whole history, in read order (partition by partition, offsets ascending). */
    public List<InventoryRecord> inventory() {
        return inventory;
    }

    /** The verified records of {@code migration.audit}, in read order. */
    public List<AuditStep> audit() {
        return audit;
    }

    public List<RecordedRejection> rejections() {
        return rejections;
    }

    public ReplayResult replay() {
        return replay;
    }

    /** Turns the records of the three topics the checks read into their values; anything undecodable is left to the replay. */
    private static final class Decoder {
        private final Deserializer<String> keys;
        private final Deserializer<VmInventoryEntry> inventoryValues;
        private final Deserializer<AuditRecord> auditValues;
        private final Deserializer<MigrationRejected> rejectionValues;
        private final TrustedKeys trusted;
        private final List<InventoryRecord> inventory = new ArrayList<>();
        private final List<AuditStep> audit = new ArrayList<>();
        private final List<RecordedRejection> rejections = new ArrayList<>();

        Decoder(Topics topics, TrustedKeys trusted) {
            this.keys = topics.vmInventory().keySerde().deserializer();
            this.inventoryValues = topics.vmInventory().valueSerde().deserializer();
            this.auditValues = topics.migrationAudit().valueSerde().deserializer();
            this.rejectionValues = topics.migrationRejections().valueSerde().deserializer();
            this.trusted = trusted;
        }

        void accept(ExportedRecord record) {
            RecordCoordinates at = new RecordCoordinates(record.getTopic(), record.getPartition(), record.getOffset());
            try {
                switch (record.getTopic()) {
                    case Topics.VM_INVENTORY -> onInventory(record, at);
                    case Topics.MIGRATION_AUDIT -> onAudit(record, at);
                    case Topics.MIGRATION_REJECTIONS -> onRejection(record, at);
                    default -> { }
                }
            } catch (RuntimeException undecodable) {
                // MALFORMED_RECORD in the replay, which names it with these coordinates.
            }
        }

        private void onInventory(ExportedRecord record, RecordCoordinates at) {
            if (record.getKey() == null) {
                return;
            }
            String vmId = keys.deserialize(record.getTopic(), ByteBuffers.toArray(record.getKey()));
            if (record.getValue() == null) {
                inventory.add(new InventoryRecord(at, vmId, null, null));
                return;
            }
            VmInventoryEntry entry = inventoryValues.deserialize(record.getTopic(), ByteBuffers.toArray(record.getValue()));
            var b = entry.getBinding();
            inventory.add(new InventoryRecord(at, vmId,
                    new BindingRow(b.getVmId(), b.getHostId(), b.getEpoch(), b.getKeyFingerprint(), b.getMigrationId()),
                    entry.getUpdatedAt()));
        }

        private void onAudit(ExportedRecord record, RecordCoordinates at) {
            if (record.getValue() == null) {
                return;
            }
            AuditRecord entry = auditValues.deserialize(record.getTopic(), ByteBuffers.toArray(record.getValue()));
            Optional<Verifier> center = trusted.centerKey(entry.getSignerKeyId(), entry.getRecordedAt());
            if (center.isEmpty()) {
                return;
            }
            try {
                AuditChain.verifySignature(entry, center.get(), "audit record " + at);
            } catch (AuditChain.BrokenChainException e) {
                return;
            }
            audit.add(new AuditStep(at, entry.getMigrationId(), entry.getSequence(), entry.getStep(), entry.getRecordedAt(),
                    entry.getVmId(), entry.getSourceHostId(), entry.getDestinationHostId()));
        }

        private void onRejection(ExportedRecord record, RecordCoordinates at) {
            if (record.getValue() == null) {
                return;
            }
            MigrationRejected entry = rejectionValues.deserialize(record.getTopic(), ByteBuffers.toArray(record.getValue()));
            boolean ofMigrationRequest = entry.getRequestType() == null
                    || entry.getRequestType() == OperatorRequestType.MIGRATION_REQUESTED;
            rejections.add(new RecordedRejection(at, entry.getMigrationId(), entry.getVmId(), ofMigrationRequest,
                    entry.getRejectedAt(), entry.getReason() + ": " + entry.getDetail()));
        }
    }
}
