package io.vmigrate.center;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.center.VaultedVmKey;
import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.common.Binding;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.trust.PublicKeyHandle;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of PROTOCOL.md shared by the processors of the VM-keyed sub-topology (requests, host
 * replies, registrations, the deadline punctuator): one instance per processor, i.e. per task and
 * thread. It changes the {@link MigrationState} it is given; callers {@link #save} it.
 */
final class MigrationWorkflow {

    private static final Logger LOG = LoggerFactory.getLogger(MigrationWorkflow.class);

    private final CenterServices services;
    private final Clock clock;
    private final KeyValueStore<String, MigrationState> migrations;
    private final KeyValueStore<String, MigrationState> migrationsById;
    private final KeyValueStore<String, VmInventoryEntry> bindings;
    private final KeyValueStore<String, VaultedVmKey> vmKeys;
    private final KeyValueStore<String, VmRegistrationRequested> registrations;
    private final HostDirectory directory;
    private final CenterOutputs outputs;
    private final AuditWriter audit;
    private final EnvelopeSealer sealer;

    MigrationWorkflow(ProcessorContext<Object, Object> context, CenterServices services) {
        this.services = services;
        this.clock = services.clock();
        this.migrations = context.getStateStore(CenterTopology.MIGRATIONS_STORE);
        this.migrationsById = context.getStateStore(CenterTopology.MIGRATIONS_BY_ID_STORE);
        this.bindings = context.getStateStore(CenterTopology.BINDINGS_STORE);
        this.vmKeys = context.getStateStore(CenterTopology.VM_KEYS_STORE);
        this.registrations = context.getStateStore(CenterTopology.REGISTRATIONS_STORE);
        ReadOnlyKeyValueStore<String, TrustRegistryEntry> registry = context.getStateStore(CenterTopology.TRUST_REGISTRY_STORE);
        this.directory = new HostDirectory(registry, services.crypto());
        this.outputs = new CenterOutputs(context, CenterTopology.WORKFLOW_SINKS, clock, services.metrics());
        this.audit = new AuditWriter(services.vault().signer(), services.crypto().digest(), outputs, clock,
                services.metrics());
        this.sealer = new EnvelopeSealer(services.vault().signer(), clock, services.settings().commandTtl());
    }

    // ---- accessors for the processors

    KeyValueStore<String, MigrationState> migrations() {
        return migrations;
    }

    KeyValueStore<String, VmInventoryEntry> bindings() {
        return bindings;
    }

    KeyValueStore<String, VmRegistrationRequested> registrations() {
        return registrations;
    }

    HostDirectory directory() {
        return directory;
    }

    CenterOutputs outputs() {
        return outputs;
    }

    AuditWriter audit() {
        return audit;
    }

    CenterServices services() {
        return services;
    }

    Instant now() {
        return clock.instant();
    }

    /** Stores the VM's current migration and keeps the by-id index in step with it. */
    void save(MigrationState state) {
        migrations.put(state.getVmId(), state);
        saveById(state);
    }

    /** Only the by-id index: a rejected request that must not replace the VM's migration in flight. */
    void saveById(MigrationState state) {
        migrationsById.put(state.getMigrationId(), state);
    }

    static String vmKeyId(String vmId, long epoch) {
        return vmId + "@" + epoch;
    }

    static boolean isFinal(MigrationState state) {
        MigrationStep step = state.getStep();
        return step == MigrationStep.DONE || step == MigrationStep.REJECTED || step == MigrationStep.ABORTED;
    }

    /** Committed migrations are never aborted: only the deregister remains (and is retried). */
    static boolean isCommitted(MigrationState state) {
        MigrationStep step = state.getStep();
        return step == MigrationStep.COMMITTED || step == MigrationStep.DEREGISTER_SENT || step == MigrationStep.DONE;
    }

    static boolean isInFlight(MigrationState state) {
        return state != null && !isFinal(state);
    }

    /** A fresh state; continues the audit chain of {@code previous} when it is the same migration id. */
    static MigrationState newState(String migrationId, String vmId, String sourceHostId, String destinationHostId,
            String requestedBy, boolean registration, Instant now, Instant deadline, long previousEpoch,
            String previousKeyFingerprint, MigrationState previous) {
        MigrationState state = MigrationState.newBuilder()
                .setMigrationId(migrationId)
                .setVmId(vmId)
                .setSourceHostId(sourceHostId)
                .setDestinationHostId(destinationHostId)
                .setRequestedBy(requestedBy)
                .setRegistration(registration)
                .setStep(MigrationStep.REQUESTED)
                .setRequestedAt(now)
                .setDeadline(deadline)
                .setPreviousEpoch(previousEpoch)
                .setNewEpoch(previousEpoch + 1)
                .setPreviousKeyFingerprint(previousKeyFingerprint)
                .setStepTimes(new HashMap<>())
                .setAuditSequence(0L)
                .setLastAuditHash(ByteBuffer.allocate(0))
                .build();
        if (previous != null && previous.getMigrationId().equals(migrationId)) {
            state.setAuditSequence(previous.getAuditSequence());
            state.setLastAuditHash(previous.getLastAuditHash());
        }
        return state;
    }

    // ---- commands

    /** Seals {@code body} with the center key for {@code hostId} and sends it to that host's command topic. */
    SignedEnvelope send(MigrationState state, String hostId, long bindingEpoch, SpecificRecord body) {
        SignedEnvelope envelope = sealer.seal(Addressing.of(state.getMigrationId(), state.getVmId(), hostId, bindingEpoch), body);
        outputs.command(envelope);
        LOG.info("migration {} vm {}: {} {} to host {}", state.getMigrationId(), state.getVmId(),
                envelope.getMessageType(), envelope.getMessageId(), hostId);
        return envelope;
    }

    /**
     * s32-s34: mints the VM key of the new epoch, keeps it under the KEK, wraps it to the
     * destination secure zone and sends DeliverVmKey. Aborts if the destination is no longer enrolled.
     */
    void deliverKey(MigrationState state, String triggeringMessageId) {
        String destination = state.getDestinationHostId();
        Optional<PublicKeyHandle> encapsulationKey = directory.encapsulationKey(destination);
        if (encapsulationKey.isEmpty()) {
            abort(state, RefusalReason.DESTINATION_NOT_ENROLLED, "destination " + destination + " is not enrolled",
                    triggeringMessageId);
            return;
        }
        long epoch = state.getNewEpoch();
        VaultedVmKey vaulted = services.vault().mintVmKey(state.getVmId(), epoch, destination, now());
        vmKeys.put(vmKeyId(state.getVmId(), epoch), vaulted);
        byte[] wrapped = services.vault().wrapForHost(vaulted, encapsulationKey.get(),
                KeyContexts.deliverVmKey(state.getMigrationId(), state.getVmId(), destination));
        String fingerprint = PublicKeyRecords.fromRecord(vaulted.getVmPublicKey()).keyId().toString();
        Binding binding = Binding.newBuilder()
                .setVmId(state.getVmId())
                .setHostId(destination)
                .setKeyFingerprint(fingerprint)
                .setEpoch(epoch)
                .setMigrationId(state.getRegistration() ? null : state.getMigrationId())
                .build();
        DeliverVmKey body = DeliverVmKey.newBuilder()
                .setMigrationId(state.getMigrationId())
                .setBinding(binding)
                .setVmPublicKey(vaulted.getVmPublicKey())
                .setWrappedPrivateKey(ByteBuffer.wrap(wrapped))
                .build();
        SignedEnvelope sent = send(state, destination, epoch, body);
        state.setNewKeyFingerprint(fingerprint);
        audit.transition(state, MigrationStep.KEY_DELIVERED, AuditNote.key(epoch, fingerprint, sent.getMessageId()));
    }

    /** s36: the binding moves to the destination with the new epoch and key; then the source is told to deregister. */
    void commit(MigrationState state, String triggeringMessageId) {
        VmInventoryEntry current = bindings.get(state.getVmId());
        if (current == null || current.getBinding().getEpoch() != state.getPreviousEpoch()) {
            abort(state, RefusalReason.BINDING_MISMATCH, "binding changed while the migration was in flight",
                    triggeringMessageId);
            return;
        }
        VmInventoryEntry committed = inventoryEntry(state, state.getMigrationId(), current.getVmName());
        bindings.put(state.getVmId(), committed);
        outputs.inventory(committed);
        audit.transition(state, MigrationStep.COMMITTED,
                AuditNote.key(state.getNewEpoch(), state.getNewKeyFingerprint(), triggeringMessageId));
        sendDeregister(state, false);
    }

    /** Registration: the host installed the epoch-0 key, so the VM's first binding is recorded. */
    void commitRegistration(MigrationState state, String triggeringMessageId) {
        VmRegistrationRequested registration = registrations.get(state.getVmId());
        VmInventoryEntry entry = inventoryEntry(state, null, registration == null ? "" : registration.getVmName());
        bindings.put(state.getVmId(), entry);
        outputs.inventory(entry);
        registrations.delete(state.getVmId());
        AuditNote note = AuditNote.key(state.getNewEpoch(), state.getNewKeyFingerprint(), triggeringMessageId);
        audit.transition(state, MigrationStep.COMMITTED, note);
        audit.transition(state, MigrationStep.DONE, note);
    }

    private VmInventoryEntry inventoryEntry(MigrationState state, String migrationId, String vmName) {
        Binding binding = Binding.newBuilder()
                .setVmId(state.getVmId())
                .setHostId(state.getDestinationHostId())
                .setKeyFingerprint(state.getNewKeyFingerprint())
                .setEpoch(state.getNewEpoch())
                .setMigrationId(migrationId)
                .build();
        return VmInventoryEntry.newBuilder().setBinding(binding).setVmName(vmName).setUpdatedAt(now()).build();
    }

    /** s37: a fresh DeregisterVm envelope to the source; also used for retries. */
    void sendDeregister(MigrationState state, boolean retry) {
        DeregisterVm body = DeregisterVm.newBuilder()
                .setMigrationId(state.getMigrationId())
                .setVmId(state.getVmId())
                .setEpoch(state.getNewEpoch())
                .setRetiredKeyFingerprint(state.getPreviousKeyFingerprint() == null ? "" : state.getPreviousKeyFingerprint())
                .build();
        SignedEnvelope sent = send(state, state.getSourceHostId(), state.getNewEpoch(), body);
        state.setDeregisterAttempts(state.getDeregisterAttempts() + 1);
        state.setLastDeregisterAt(now());
        AuditNote note = new AuditNote(state.getNewEpoch(), state.getPreviousKeyFingerprint(), sent.getMessageId(), null,
                retry ? "deregister retry " + state.getDeregisterAttempts() : null);
        if (retry) {
            audit.note(state, note);
        } else {
            audit.transition(state, MigrationStep.DEREGISTER_SENT, note);
        }
    }

    /** The source confirmed the deregistration: the old VM key is retired at the center too. */
    void done(MigrationState state, String triggeringMessageId) {
        audit.transition(state, MigrationStep.DONE,
                AuditNote.key(state.getNewEpoch(), state.getNewKeyFingerprint(), triggeringMessageId));
        vmKeys.delete(vmKeyId(state.getVmId(), state.getPreviousEpoch()));
    }

    /**
     * Before commit only: both hosts are told to abort (for a registration there is nothing to undo
     * on the host), the binding stays as it is and a minted but uncommitted VM key is dropped.
     */
    void abort(MigrationState state, RefusalReason reason, String detail, String triggeringMessageId) {
        if (isFinal(state) || isCommitted(state)) {
            throw new IllegalStateException("migration " + state.getMigrationId() + " cannot abort in step " + state.getStep());
        }
        state.setOutcomeReason(reason);
        state.setOutcomeDetail(detail);
        services.metrics().refusal("aborted", reason);
        if (!state.getRegistration()) {
            AbortMigration toSource = AbortMigration.newBuilder().setMigrationId(state.getMigrationId())
                    .setVmId(state.getVmId()).setRole(HostRole.SOURCE).setReason(reason).setDetail(detail).build();
            AbortMigration toDestination = AbortMigration.newBuilder(toSource).setRole(HostRole.DESTINATION).build();
            send(state, state.getSourceHostId(), state.getPreviousEpoch(), toSource);
            send(state, state.getDestinationHostId(), state.getNewEpoch(), toDestination);
            audit.transition(state, MigrationStep.ABORTING, AuditNote.refusal(reason, detail, triggeringMessageId));
        } else {
            registrations.delete(state.getVmId());
        }
        if (state.getNewKeyFingerprint() != null) {
            vmKeys.delete(vmKeyId(state.getVmId(), state.getNewEpoch()));
        }
        audit.transition(state, MigrationStep.ABORTED, AuditNote.refusal(reason, detail, triggeringMessageId));
    }

    /** A reply that does not fit the migration's current step: audited, never acted on. */
    void ignore(MigrationState state, SignedEnvelope reply, String why) {
        audit.note(state, AuditNote.message(reply.getMessageId(), "ignored " + reply.getMessageType() + " from "
                + reply.getHostId() + ": " + why));
    }
}
