package io.vmigrate.host;

import io.vmigrate.host.HandlingResult.Kind;
import io.vmigrate.host.hypervisor.HypervisorException;
import io.vmigrate.host.hypervisor.HypervisorPort;
import io.vmigrate.host.hypervisor.VmDigests;
import io.vmigrate.securezone.client.SecureZonePort;
import io.vmigrate.host.store.DurableIdSet;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.securezone.VerifiedCommand;
import io.vmigrate.schema.serde.SingleObjectCodec;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the agent does for each verified command type, always in this order: the secure zone verifies
 * (or signs) first, then the hypervisor acts, then the zone's signed reply is published through
 * {@link CommandReplies}. One method per command type. The agent acts only on what the zone returned
 * ({@link VerifiedCommand}); it never decodes a command body itself.
 */
final class CommandActions {

    private static final Logger LOG = LoggerFactory.getLogger(CommandActions.class);
    private static final SingleObjectCodec<TargetVmCreated> TARGETS_CREATED = SingleObjectCodec.of(TargetVmCreated.class);

    /** The digests of a received state that cannot be read: match no attestation. */
    private static final byte[] NOTHING_RECEIVED = new byte[0];

    private final String hostId;
    private final SecureZonePort secureZone;
    private final HypervisorPort hypervisor;
    private final DurableIdSet registrations;
    private final DurableIdSet pendingCompletions;
    private final ReplyPublisher publisher;
    private final CommandReplies replies;

    CommandActions(String hostId, SecureZonePort secureZone, HypervisorPort hypervisor, DurableIdSet registrations,
            DurableIdSet pendingCompletions, ReplyPublisher publisher, CommandReplies replies) {
        this.hostId = hostId;
        this.secureZone = secureZone;
        this.hypervisor = hypervisor;
        this.registrations = registrations;
        this.pendingCompletions = pendingCompletions;
        this.publisher = publisher;
        this.replies = replies;
    }

    /** Exhaustive over every message type, so a new type does not compile until the agent knows what to do with it. */
    HandlingResult dispatch(Command command) throws IOException {
        return switch (command.envelope().getMessageType()) {
            case CREATE_TARGET_VM -> createTarget(command);
            case MIGRATE_OUT -> migrateOut(command);
            case DELIVER_VM_KEY -> deliverVmKey(command);
            case FORWARDED_VM_ATTESTATION -> forwardedAttestation(command);
            case DEREGISTER_VM -> deregister(command);
            case ABORT_MIGRATION -> abort(command);
            case ROTATE_CENTER_KEY -> rotateCenterKey(command);
            // Replies never reach a command topic's handler: the decoder dead-letters them first.
            case TARGET_VM_CREATED, KEY_INSTALL_REPLY, VM_ATTESTATION, MIGRATION_COMPLETED, VM_DEREGISTERED,
                    ABORT_ACKNOWLEDGED, COMMAND_REFUSED, VM_REGISTRATION_REQUESTED ->
                throw new IllegalStateException("not a command: " + command.envelope().getMessageType());
        };
    }

    /** The zone verifies the announcement and pins the new center key; nothing for the hypervisor, no reply. */
    private HandlingResult rotateCenterKey(Command command) throws IOException {
        SecureZoneResponse accepted = secureZone.openCommand(command.bytes());
        if (CommandReplies.refused(accepted)) {
            return replies.refusedBySecureZone(command, accepted);
        }
        LOG.info("{}: secure zone accepted center key announcement {}", command.record(), command.envelope().getMessageId());
        return HandlingResult.of(Kind.CARRIED_OUT, command.envelope().getMessageId(), null);
    }

    private HandlingResult createTarget(Command command) throws IOException {
        SecureZoneResponse opened = secureZone.openCommand(command.bytes());
        if (CommandReplies.refused(opened)) {
            return replies.refusedBySecureZone(command, opened);
        }
        VerifiedCommand verified = verifiedBy(opened, command);
        try {
            hypervisor.createTarget(verified.getMigrationId(), verified.getVmId());
        } catch (HypervisorException e) {
            return replies.hypervisorFailure(command, e);
        }
        TargetVmCreated body = TargetVmCreated.newBuilder()
                .setMigrationId(verified.getMigrationId())
                .setVmId(verified.getVmId())
                .setHostId(hostId)
                .setCreatedAt(replies.now())
                .build();
        SecureZoneResponse signed = secureZone.signReply(MessageType.TARGET_VM_CREATED, TARGETS_CREATED.encode(body),
                verified.getBindingEpoch());
        if (CommandReplies.refused(signed)) {
            return replies.refusedBySecureZone(command, signed);
        }
        return replies.carriedOut(command, signed);
    }

    private HandlingResult migrateOut(Command command) throws IOException {
        SecureZoneResponse opened = secureZone.openCommand(command.bytes());
        if (CommandReplies.refused(opened)) {
            return replies.refusedBySecureZone(command, opened);
        }
        VerifiedCommand verified = verifiedBy(opened, command);
        if (verified.getDestinationHostId() == null) {
            throw new IOException("secure zone verified " + command.envelope().getMessageId() + " without its destination");
        }
        VmDigests digests;
        try {
            hypervisor.migrateOut(verified.getMigrationId(), verified.getVmId(), verified.getDestinationHostId().toString());
            digests = hypervisor.describe(verified.getVmId());
        } catch (HypervisorException e) {
            return replies.hypervisorFailure(command, e);
        }
        SecureZoneResponse attested = secureZone.attestVm(verified.getMigrationId(), verified.getVmId(),
                digests.descriptionDigest(), digests.imageManifestDigest());
        if (CommandReplies.refused(attested)) {
            return replies.refusedBySecureZone(command, attested);
        }
        return replies.carriedOut(command, attested);
    }

    private HandlingResult deliverVmKey(Command command) throws IOException {
        // INSTALLED or FAILED, both signed by the secure zone; registrations (register:<vmId>) are no different.
        SecureZoneResponse installed = secureZone.installVmKey(command.bytes());
        if (CommandReplies.refused(installed)) {
            return replies.refusedBySecureZone(command, installed);
        }
        HandlingResult result = replies.carriedOut(command, installed);
        String migrationId = command.envelope().getMigrationId();
        String vmId = command.envelope().getVmId();
        if (migrationId.equals(KeyContexts.registrationMigrationId(vmId))) {
            // The epoch-0 key is here: the center answered this VM's registration, which is asked no more.
            registrations.add(vmId);
        }
        if (pendingCompletions.contains(migrationId)) {
            LOG.info("{}: VM key of migration {} installed; finishing its parked completion", command.record(), migrationId);
            complete(command, migrationId, command.envelope().getVmId());
        }
        return result;
    }

    private HandlingResult forwardedAttestation(Command command) throws IOException {
        String migrationId = command.envelope().getMigrationId();
        String vmId = command.envelope().getVmId();
        byte[] receivedDescription = NOTHING_RECEIVED;
        byte[] receivedImageManifest = NOTHING_RECEIVED;
        try {
            // Read-only: what arrived is compared inside the secure zone, which verifies the command first.
            VmDigests received = hypervisor.describeReceived(migrationId, vmId);
            receivedDescription = received.descriptionDigest();
            receivedImageManifest = received.imageManifestDigest();
        } catch (HypervisorException e) {
            // Not refused here: the command is not verified yet, and a refusal signed now would name a
            // migration anyone could claim. Nothing readable arrived; the zone verifies, then finds no match.
            LOG.warn("{}: nothing readable received for migration {}: {}", command.record(), migrationId, e.getMessage());
        }
        SecureZoneResponse checked = secureZone.checkAttestation(command.bytes(), receivedDescription,
                receivedImageManifest);
        if (CommandReplies.refused(checked)) {
            return replies.refusedBySecureZone(command, checked);
        }
        Optional<byte[]> completed = complete(command, migrationId, vmId);
        if (completed.isEmpty()) {
            return HandlingResult.of(Kind.AWAITING_VM_KEY, command.envelope().getMessageId(), null);
        }
        return HandlingResult.of(Kind.CARRIED_OUT, command.envelope().getMessageId(), completed.get());
    }

    /**
     * Has the secure zone sign the completion, then runs the VM and publishes. The secure zone signs only
     * once the VM key of this migration is installed; the attestation may overtake the key delivery,
     * so until then the completion is parked and finished when the key arrives. The VM is resumed only
     * after the secure zone agreed, so a VM never runs here without its key.
     *
     * @return the published MigrationCompleted (or refusal), or empty while the VM key is awaited
     */
    private Optional<byte[]> complete(Command command, String migrationId, String vmId) throws IOException {
        SecureZoneResponse completed = secureZone.reportCompletion(migrationId, vmId);
        if (CommandReplies.refused(completed)) {
            LOG.info("{}: completion of migration {} waits for its VM key ({} {})", command.record(), migrationId,
                    completed.getReason(), completed.getDetail());
            pendingCompletions.add(migrationId);
            return Optional.empty();
        }
        try {
            hypervisor.resume(migrationId, vmId);
        } catch (HypervisorException e) {
            pendingCompletions.remove(migrationId);
            return replies.hypervisorFailure(command, e).reply();
        }
        // The VM now lives here under the binding the center is about to commit: no registration needed.
        registrations.add(vmId);
        byte[] reply = replies.signedReplyOf(command, completed);
        publisher.publishReply(vmId, reply);
        pendingCompletions.remove(migrationId);
        return Optional.of(reply);
    }

    private HandlingResult deregister(Command command) throws IOException {
        SecureZoneResponse deregistered = secureZone.deregister(command.bytes());
        if (CommandReplies.refused(deregistered)) {
            // The VM stays: nothing is removed without the secure zone's word.
            return replies.refusedBySecureZone(command, deregistered);
        }
        String vmId = command.envelope().getVmId();
        try {
            hypervisor.deregister(vmId);
        } catch (HypervisorException e) {
            return replies.hypervisorFailure(command, e);
        }
        registrations.remove(vmId);
        return replies.carriedOut(command, deregistered);
    }

    /**
     * The zone verifies the abort and says, from its verified body, what to destroy; the target
     * (created or already resumed) is destroyed in the hypervisor; only then does the zone zeroize the
     * VM key and sign the acknowledgement. Every step is idempotent, so an abort retried with a fresh
     * envelope, or redelivered after a crash in between, is carried out and acknowledged again.
     */
    private HandlingResult abort(Command command) throws IOException {
        SecureZoneResponse checked = secureZone.verifyAbort(command.bytes());
        if (CommandReplies.refused(checked)) {
            return replies.refusedBySecureZone(command, checked);
        }
        if (checked.getOutcome() == SecureZoneOutcome.DUPLICATE) {
            // Carried out before a crash left it unrecorded here: its target was destroyed before the zone acted.
            return replies.carriedOut(command, checked);
        }
        VerifiedCommand verified = verifiedBy(checked, command);
        if (verified.getDestroyTarget()) {
            try {
                hypervisor.destroyTarget(verified.getMigrationId(), verified.getVmId());
            } catch (HypervisorException e) {
                return replies.hypervisorFailure(command, e);
            }
        }
        pendingCompletions.remove(verified.getMigrationId());
        SecureZoneResponse aborted = secureZone.abort(command.bytes(), verified.getDestroyTarget());
        if (CommandReplies.refused(aborted)) {
            return replies.refusedBySecureZone(command, aborted);
        }
        return replies.carriedOut(command, aborted);
    }

    /** What the zone verified; a zone that says OK without it is broken, and asking again may get a proper answer. */
    private static VerifiedCommand verifiedBy(SecureZoneResponse response, Command command) throws IOException {
        if (response.getVerifiedCommand() == null) {
            throw new IOException("secure zone answered " + response.getOutcome() + " without the verified command for "
                    + command.envelope().getMessageId());
        }
        return response.getVerifiedCommand();
    }
}
