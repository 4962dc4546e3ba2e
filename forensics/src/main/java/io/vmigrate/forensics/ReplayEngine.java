package io.vmigrate.forensics;

import io.vmigrate.forensics.MigrationTrace.Commit;
import io.vmigrate.forensics.MigrationTrace.Install;
import io.vmigrate.forensics.MigrationTrace.Sent;
import io.vmigrate.schema.workflow.MigrationSteps;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.forensics.ExportedRecord;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.PublicKeyHandle;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Rebuilds every migration and the binding table from the protocol topics' records alone and checks
 * them against PROTOCOL.md's rules. Records arrive in export order (topic, partition, offset); rules
 * that relate records of different topics are decided in {@link #finish} from per-migration and
 * per-VM summaries, so memory grows with the number of migrations, never with the number of records.
 * "Before" across topics is judged on the center's own clock (envelope issuedAt, audit recordedAt),
 * with {@code clockSkew} allowed for host-signed replies.
 */
public final class ReplayEngine {

    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);

    private final TrustedKeys keys;
    private final Duration clockSkew;
    private final Deserializer<SignedEnvelope> envelopes;
    private final Deserializer<AuditRecord> audits;
    private final Deserializer<VmInventoryEntry> inventory;
    private final AuditChainTracker chains;
    private final List<Anomaly> anomalies = new ArrayList<>();
    private final Map<String, Long> recordsPerTopic = new TreeMap<>();
    private final Map<String, MigrationTrace> traces = new HashMap<>();
    private final Map<String, InventoryState> inventoryByVm = new HashMap<>();

    public ReplayEngine(TrustedKeys keys, Topics topics, Duration clockSkew) {
        this.keys = keys;
        this.clockSkew = clockSkew;
        this.envelopes = topics.hostEvents().valueSerde().deserializer();
        this.audits = topics.migrationAudit().valueSerde().deserializer();
        this.inventory = topics.vmInventory().valueSerde().deserializer();
        this.chains = new AuditChainTracker(keys::centerKey);
        anomalies.addAll(keys.anomalies());
    }

    /**
     * Replays {@code source}: its trust registry first (for the keys), then every record. The binding
     * table is compared with {@code statusUrl}'s {@code /vms} when given, else with the {@code vm.inventory} records.
     */
    public static ReplayResult replay(LogSource source, Optional<PublicKeyHandle> pinnedCenterKey,
            Optional<URI> statusUrl, Duration clockSkew) throws IOException {
        Topics topics = Topics.withDefaultWireFormat();
        TrustedKeys keys = TrustedKeys.load(source, pinnedCenterKey, topics);
        ReplayEngine engine = new ReplayEngine(keys, topics, clockSkew);
        source.read(topic -> true, engine::accept);
        Optional<Map<String, BindingRow>> center = statusUrl.isPresent()
                ? Optional.of(CenterBindings.fetch(statusUrl.get())) : Optional.empty();
        return engine.finish(source.describe(), center);
    }

    // ---- per record

    public void accept(ExportedRecord record) {
        recordsPerTopic.merge(record.getTopic(), 1L, Long::sum);
        if (record.getValue() == null) {
            return;
        }
        String topic = record.getTopic();
        Optional<String> commandHost = Topics.hostIdOfCommandTopic(topic);
        if (commandHost.isPresent()) {
            onCommand(record, commandHost.get());
        } else if (Topics.HOST_EVENTS.equals(topic)) {
            onReply(record);
        } else if (Topics.MIGRATION_AUDIT.equals(topic)) {
            onAudit(record);
        } else if (Topics.VM_INVENTORY.equals(topic)) {
            onInventory(record);
        }
    }

    private void onCommand(ExportedRecord record, String topicHost) {
        RecordCoordinates at = TrustedKeys.coordinates(record);
        Instant recordTime = record.getTimestamp();
        Optional<OpenedEnvelope> opened = open(record, at,
                (keyId) -> keys.centerKey(keyId, recordTime), "command");
        if (opened.isEmpty()) {
            return;
        }
        SignedEnvelope envelope = opened.get().envelope();
        if (envelope.getMessageType() == MessageType.ROTATE_CENTER_KEY) {
            // A center key announcement, verified above with the key valid then; it belongs to no migration.
            return;
        }
        String migrationId = envelope.getMigrationId();
        if (!envelope.getHostId().equals(topicHost)) {
            add(Rule.COMMAND_ON_WRONG_TOPIC, at, migrationId, envelope.getMessageType() + " " + envelope.getMessageId()
                    + " is addressed to host " + envelope.getHostId() + " but sits on the command topic of " + topicHost);
        }
        MigrationTrace trace = trace(migrationId);
        RecordCoordinates first = trace.commandIds.putIfAbsent(envelope.getMessageId(), at);
        if (first != null) {
            add(Rule.REPLAYED_COMMAND, at, migrationId, envelope.getMessageType() + " " + envelope.getMessageId()
                    + " was already sent at " + first);
            return;
        }
        switch (envelope.getMessageType()) {
            case DELIVER_VM_KEY: {
                DeliverVmKey delivery = opened.get().body(DeliverVmKey.class);
                String bindingHost = delivery.getBinding().getHostId();
                if (!bindingHost.equals(topicHost) || !bindingHost.equals(envelope.getHostId())) {
                    add(Rule.DELIVERY_FOR_WRONG_HOST, at, migrationId, "DeliverVmKey " + envelope.getMessageId()
                            + " binds VM " + delivery.getBinding().getVmId() + " to host " + bindingHost
                            + " but is sent to host " + topicHost);
                    return;
                }
                trace.deliveries.merge(deliveryKey(topicHost, envelope.getVmId(), delivery.getBinding().getEpoch()),
                        envelope.getIssuedAt(), (a, b) -> a.isBefore(b) ? a : b);
                break;
            }
            case DEREGISTER_VM:
                trace.deregisters.add(new Sent(envelope.getMessageId(), envelope.getIssuedAt(), at));
                break;
            default:
                break;
        }
    }

    private void onReply(ExportedRecord record) {
        RecordCoordinates at = TrustedKeys.coordinates(record);
        Instant recordTime = record.getTimestamp();
        SignedEnvelope[] named = new SignedEnvelope[1];
        Optional<OpenedEnvelope> opened = open(record, at,
                (keyId) -> keys.hostKey(named[0].getHostId(), keyId, recordTime), "reply", named);
        if (opened.isEmpty()) {
            return;
        }
        SignedEnvelope envelope = opened.get().envelope();
        SpecificRecord body = opened.get().body();
        String migrationId = envelope.getMigrationId();
        Schema.Field hostField = body.getSchema().getField("hostId");
        if (hostField != null && !envelope.getHostId().equals(String.valueOf(body.get(hostField.pos())))) {
            add(Rule.MALFORMED_RECORD, at, migrationId, envelope.getMessageType() + " " + envelope.getMessageId()
                    + " is signed for host " + envelope.getHostId() + " but its body names another host");
            return;
        }
        MigrationTrace trace = trace(migrationId);
        String effect = null;
        switch (envelope.getMessageType()) {
            case KEY_INSTALL_REPLY: {
                KeyInstallReply reply = opened.get().body(KeyInstallReply.class);
                if (reply.getOutcome() == KeyInstallOutcome.INSTALLED) {
                    effect = "KEY_INSTALL_REPLY";
                    trace.installs.add(new Install(deliveryKey(envelope.getHostId(), envelope.getVmId(), reply.getEpoch()),
                            envelope.getMessageId(), envelope.getIssuedAt(), at));
                }
                break;
            }
            case TARGET_VM_CREATED:
            case VM_ATTESTATION:
            case MIGRATION_COMPLETED:
                effect = envelope.getMessageType().name();
                break;
            case VM_DEREGISTERED:
                effect = envelope.getMessageType().name();
                trace.deregistered.add(new Sent(envelope.getMessageId(), envelope.getIssuedAt(), at));
                break;
            case ABORT_ACKNOWLEDGED:
                // Not an effect that can happen twice: the center re-sends an abort until acknowledged, and
                // destroying an already destroyed target is a no-op, so a second acknowledgement is expected.
                break;
            default:
                break;
        }
        if (effect != null) {
            Sent previous = trace.effects.putIfAbsent(effect + "|" + envelope.getHostId(),
                    new Sent(envelope.getMessageId(), envelope.getIssuedAt(), at));
            if (previous != null && !previous.messageId().equals(envelope.getMessageId())) {
                add(Rule.COMMAND_OBEYED_TWICE, at, migrationId, envelope.getMessageType() + " " + envelope.getMessageId()
                        + " from host " + envelope.getHostId() + " repeats the effect already reported by "
                        + previous.messageId() + " at " + previous.at());
            }
        }
    }

    private void onAudit(ExportedRecord record) {
        RecordCoordinates at = TrustedKeys.coordinates(record);
        AuditRecord audit;
        try {
            audit = audits.deserialize(record.getTopic(), ByteBuffers.toArray(record.getValue()));
        } catch (RuntimeException e) {
            add(Rule.MALFORMED_RECORD, at, null, "audit record does not decode");
            return;
        }
        String migrationId = audit.getMigrationId();
        boolean trusted = true;
        for (AuditChainTracker.Finding finding : chains.accept(audit)) {
            add(finding.rule(), at, migrationId, finding.detail());
            trusted &= finding.rule() != Rule.SIGNATURE_INVALID && finding.rule() != Rule.UNKNOWN_SIGNER;
        }
        if (!trusted) {
            return;
        }
        MigrationTrace trace = trace(migrationId);
        trace.audited = true;
        trace.vmId = audit.getVmId();
        if (audit.getSequence() >= trace.lastSequence) {
            trace.lastSequence = audit.getSequence();
            trace.lastStep = audit.getStep();
        }
        if (audit.getStep() == MigrationStep.COMMITTED) {
            trace.commit = new Commit(new BindingRow(audit.getVmId(), audit.getDestinationHostId(),
                    audit.getEpoch() == null ? -1 : audit.getEpoch(), audit.getKeyFingerprint(),
                    KeyContexts.isRegistration(migrationId) ? null : migrationId), audit.getRecordedAt(), at);
        } else if (audit.getStep() == MigrationStep.ABORTED) {
            trace.aborted = true;
        }
    }

    private void onInventory(ExportedRecord record) {
        RecordCoordinates at = TrustedKeys.coordinates(record);
        VmInventoryEntry entry;
        try {
            entry = inventory.deserialize(record.getTopic(), ByteBuffers.toArray(record.getValue()));
        } catch (RuntimeException e) {
            add(Rule.MALFORMED_RECORD, at, null, "inventory entry does not decode");
            return;
        }
        var binding = entry.getBinding();
        BindingRow row = new BindingRow(binding.getVmId(), binding.getHostId(), binding.getEpoch(),
                binding.getKeyFingerprint(), binding.getMigrationId());
        InventoryState previous = inventoryByVm.get(row.vmId());
        if (previous != null) {
            if (row.epoch() < previous.row().epoch()) {
                add(Rule.EPOCH_REGRESSION, at, row.migrationId(), "VM " + row.vmId() + " epoch " + row.epoch()
                        + " after epoch " + previous.row().epoch() + " at " + previous.at());
            } else if (row.epoch() == previous.row().epoch() && !row.sameAs(previous.row())) {
                add(Rule.BINDING_CONFLICT, at, row.migrationId(), "VM " + row.vmId() + " has two bindings of epoch "
                        + row.epoch() + ": " + previous.row() + " at " + previous.at() + " and " + row);
            }
        }
        inventoryByVm.put(row.vmId(), new InventoryState(row, at));
        if (row.migrationId() != null) {
            trace(row.migrationId()).inventoryWrites.add(at);
        }
    }

    /** Opens an envelope at its record's time; a refusal becomes an anomaly and an empty result. */
    private Optional<OpenedEnvelope> open(ExportedRecord record, RecordCoordinates at, EnvelopeOpener.SignerKeys signers,
            String what) {
        return open(record, at, signers, what, new SignedEnvelope[1]);
    }

    private Optional<OpenedEnvelope> open(ExportedRecord record, RecordCoordinates at, EnvelopeOpener.SignerKeys signers,
            String what, SignedEnvelope[] decoded) {
        SignedEnvelope envelope;
        try {
            envelope = envelopes.deserialize(record.getTopic(), ByteBuffers.toArray(record.getValue()));
        } catch (RuntimeException e) {
            add(Rule.MALFORMED_RECORD, at, null, what + " is not a signed envelope");
            return Optional.empty();
        }
        decoded[0] = envelope;
        try {
            return Optional.of(new EnvelopeOpener(signers, Clock.systemUTC(), clockSkew)
                    .openAt(envelope, record.getTimestamp()));
        } catch (EnvelopeRefusedException e) {
            add(ruleOf(e), at, envelope.getMigrationId(), what + " " + envelope.getMessageType() + " "
                    + envelope.getMessageId() + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    private static Rule ruleOf(EnvelopeRefusedException refusal) {
        switch (refusal.reason()) {
            case UNKNOWN_SIGNER:
                return Rule.UNKNOWN_SIGNER;
            case SIGNATURE_INVALID:
                return Rule.SIGNATURE_INVALID;
            case EXPIRED:
                return Rule.ENVELOPE_EXPIRED;
            default:
                return Rule.MALFORMED_RECORD;
        }
    }

    // ---- at the end

    /** Decides the cross-topic rules and builds the report; {@code center} overrides the vm.inventory view. */
    public ReplayResult finish(String source, Optional<Map<String, BindingRow>> center) {
        Map<String, List<Commit>> commitsByVm = new TreeMap<>();
        Map<String, Long> outcomes = new TreeMap<>();
        long migrations = 0;
        long registrations = 0;
        for (var entry : new TreeMap<>(traces).entrySet()) {
            String migrationId = entry.getKey();
            MigrationTrace trace = entry.getValue();
            trace.checkDeregisters(migrationId, clockSkew, anomalies);
            trace.checkInstalls(migrationId, clockSkew, anomalies);
            if (trace.aborted) {
                if (trace.commit != null) {
                    add(Rule.ABORT_CHANGED_BINDING, trace.commit.at(), migrationId,
                            "aborted migration committed binding " + trace.commit.row());
                }
                for (RecordCoordinates write : trace.inventoryWrites) {
                    add(Rule.ABORT_CHANGED_BINDING, write, migrationId, "vm.inventory names aborted migration "
                            + migrationId + " as the origin of a binding");
                }
            } else if (trace.commit != null) {
                commitsByVm.computeIfAbsent(trace.commit.row().vmId(), vm -> new ArrayList<>()).add(trace.commit);
            }
            if (trace.audited) {
                if (KeyContexts.isRegistration(migrationId)) {
                    registrations++;
                } else {
                    migrations++;
                }
                outcomes.merge(outcomeOf(trace.lastStep), 1L, Long::sum);
            }
        }
        Map<String, Commit> rebuilt = MigrationTrace.rebuildBindings(commitsByVm, anomalies);
        String comparedWith;
        Map<String, BindingRow> centerRows = new TreeMap<>();
        Map<String, RecordCoordinates> centerAt = new HashMap<>();
        if (center.isPresent()) {
            comparedWith = "status-url";
            centerRows.putAll(center.get());
        } else {
            comparedWith = Topics.VM_INVENTORY;
            inventoryByVm.forEach((vm, state) -> {
                centerRows.put(vm, state.row());
                centerAt.put(vm, state.at());
            });
        }
        TreeSet<String> vms = new TreeSet<>(rebuilt.keySet());
        vms.addAll(centerRows.keySet());
        for (String vm : vms) {
            Commit mine = rebuilt.get(vm);
            BindingRow theirs = centerRows.get(vm);
            if (mine != null && theirs != null && mine.row().sameAs(theirs)) {
                continue;
            }
            RecordCoordinates at = centerAt.getOrDefault(vm, mine != null ? mine.at() : RecordCoordinates.CENTER);
            add(Rule.BINDING_MISMATCH_WITH_CENTER, at, mine != null ? mine.row().migrationId() : null, "VM " + vm
                    + ": replay rebuilt " + (mine == null ? "no binding" : mine.row().toString()) + ", the center ("
                    + comparedWith + ") has " + (theirs == null ? "none" : theirs.toString()));
        }
        List<BindingRow> bindings = new ArrayList<>();
        rebuilt.values().forEach(commit -> bindings.add(commit.row()));
        List<Anomaly> sorted = new ArrayList<>(anomalies);
        sorted.sort(Comparator.naturalOrder());
        return new ReplayResult(source, recordsPerTopic, migrations, registrations, outcomes, bindings, comparedWith,
                keys.centerKeyPinned(), sorted);
    }

    private static String outcomeOf(MigrationStep step) {
        if (MigrationSteps.isFinal(step)) {
            return step.name();
        }
        return "IN_FLIGHT";
    }

    private MigrationTrace trace(String migrationId) {
        return traces.computeIfAbsent(migrationId, id -> new MigrationTrace());
    }

    private void add(Rule rule, RecordCoordinates at, String migrationId, String detail) {
        anomalies.add(Anomaly.at(rule, at, migrationId, detail));
    }

    private static String deliveryKey(String hostId, String vmId, long epoch) {
        return "host " + hostId + ", VM " + vmId + ", epoch " + epoch;
    }

    private record InventoryState(BindingRow row, RecordCoordinates at) {}
}
