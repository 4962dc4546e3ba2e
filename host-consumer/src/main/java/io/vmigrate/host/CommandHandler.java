package io.vmigrate.host;

import io.vmigrate.host.HandlingResult.Kind;
import io.vmigrate.host.metrics.AgentMetrics;
import io.vmigrate.host.hypervisor.HypervisorException;
import io.vmigrate.host.hypervisor.HypervisorPort;
import io.vmigrate.host.hypervisor.VmDigests;
import io.vmigrate.securezone.client.SecureZonePort;
import io.vmigrate.host.store.ProcessedCommand;
import io.vmigrate.host.store.ProcessedCommandStore;
import io.vmigrate.host.store.DurableIdSet;
import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.MigrateOut;
import io.vmigrate.schema.common.Direction;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.securezone.VerifiedCommand;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.topic.Topics;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles one command record: decode, deduplicate by message id, have the secure zone verify the
 * command FIRST, then act in the hypervisor, publish the secure zone's signed reply, and record the
 * command as processed. The caller commits the offset only after {@link #handle} returns.
 *
 * <p>Failures by category: {@link IOException} (secure zone unreachable, disk) means nothing is
 * concluded and the same record must be handled again later; Kafka exceptions from the publisher
 * propagate for the caller to judge; {@link AgentFatalException} means the agent must stop. Bad input
 * never throws: it is dead-lettered.
 */
public final class CommandHandler {

    private static final Logger LOG = LoggerFactory.getLogger(CommandHandler.class);
    private static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);
    private static final SingleObjectCodec<CommandRefused> REFUSALS = SingleObjectCodec.of(CommandRefused.class);
    private static final SingleObjectCodec<TargetVmCreated> TARGETS_CREATED = SingleObjectCodec.of(TargetVmCreated.class);
    private static final SingleObjectCodec<MigrateOut> MIGRATE_OUTS = SingleObjectCodec.of(MigrateOut.class);
    private static final SingleObjectCodec<AbortMigration> ABORTS = SingleObjectCodec.of(AbortMigration.class);

    private final String hostId;
    private final String component;
    private final SecureZonePort secureZone;
    private final HypervisorPort hypervisor;
    private final ProcessedCommandStore processed;
    private final DurableIdSet registrations;
    private final DurableIdSet pendingCompletions;
    private final ReplyPublisher publisher;
    private final Deserializer<SignedEnvelope> envelopeDeserializer;
    private final Clock clock;
    private final AgentMetrics metrics;

    public CommandHandler(String hostId, Topics topics, SecureZonePort secureZone, HypervisorPort hypervisor,
            ProcessedCommandStore processed, DurableIdSet registrations, DurableIdSet pendingCompletions,
            ReplyPublisher publisher, Clock clock) {
        this(hostId, topics, secureZone, hypervisor, processed, registrations, pendingCompletions, publisher, clock,
                AgentMetrics.inMemory(hostId));
    }

    /** As above, counting each handled command in {@code metrics}. */
    public CommandHandler(String hostId, Topics topics, SecureZonePort secureZone, HypervisorPort hypervisor,
            ProcessedCommandStore processed, DurableIdSet registrations, DurableIdSet pendingCompletions,
            ReplyPublisher publisher, Clock clock, AgentMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.hostId = Objects.requireNonNull(hostId, "hostId");
        this.component = "host-agent/" + hostId;
        this.secureZone = Objects.requireNonNull(secureZone, "secureZone");
        this.hypervisor = Objects.requireNonNull(hypervisor, "hypervisor");
        this.processed = Objects.requireNonNull(processed, "processed");
        this.registrations = Objects.requireNonNull(registrations, "registrations");
        this.pendingCompletions = Objects.requireNonNull(pendingCompletions, "pendingCompletions");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.envelopeDeserializer = topics.hostCommands(hostId).valueSerde().deserializer();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public HandlingResult handle(CommandRecord record) throws IOException {
        Optional<SignedEnvelope> decoded = decode(record);
        if (decoded.isEmpty()) {
            metrics.commandHandled("UNDECODABLE", Kind.DEAD_LETTERED);
            return HandlingResult.of(Kind.DEAD_LETTERED, null, null);
        }
        SignedEnvelope envelope = decoded.get();
        String messageId = envelope.getMessageId();
        Optional<ProcessedCommand> seen = processed.find(messageId);
        if (seen.isPresent()) {
            HandlingResult again = handleSeenBefore(record, envelope, seen.get());
            metrics.commandHandled(envelope.getMessageType().name(), again.kind());
            return again;
        }
        Command command = new Command(record, envelope, ENVELOPES.encode(envelope));
        LOG.info("{}: handling {} {} for migration {} VM {}", record, envelope.getMessageType(), messageId,
                envelope.getMigrationId(), envelope.getVmId());
        HandlingResult result = dispatch(command);
        // Durable before the caller commits the offset: a crash in between republishes, never re-acts.
        processed.record(new ProcessedCommand(messageId, record.topic(), record.partition(), record.offset(),
                result.reply().orElse(new byte[0])));
        LOG.info("{}: {} {} for migration {} -> {}", record, envelope.getMessageType(), messageId,
                envelope.getMigrationId(), result.kind());
        metrics.commandHandled(envelope.getMessageType().name(), result.kind());
        return result;
    }

    private Optional<SignedEnvelope> decode(CommandRecord record) {
        byte[] value = record.value();
        if (value == null) {
            deadLetter(record, "tombstone on a command topic");
            return Optional.empty();
        }
        SignedEnvelope envelope;
        try {
            envelope = envelopeDeserializer.deserialize(record.topic(), value);
        } catch (RuntimeException e) {
            deadLetter(record, "not a signed envelope: " + e.getMessage());
            return Optional.empty();
        }
        if (envelope == null || envelope.getDirection() != Direction.CENTER_TO_HOST
                || envelope.getMessageType() == null
                || io.vmigrate.schema.envelope.MessageBodies.directionOf(envelope.getMessageType()) != Direction.CENTER_TO_HOST) {
            deadLetter(record, "not a command envelope"
                    + (envelope == null ? "" : ": " + envelope.getMessageType() + " " + envelope.getDirection()));
            return Optional.empty();
        }
        return Optional.of(envelope);
    }

    private void deadLetter(CommandRecord record, String detail) {
        LOG.warn("{}: dead-lettering: {}", record, detail);
        publisher.publishDeadLetter(record, RefusalReason.MALFORMED, detail);
    }

    private HandlingResult handleSeenBefore(CommandRecord record, SignedEnvelope envelope, ProcessedCommand seen) {
        String messageId = envelope.getMessageId();
        if (seen.isSameRecord(record.topic(), record.partition(), record.offset())) {
            LOG.info("{}: {} already handled here; publishing its reply again", record, messageId);
            if (seen.hasReply()) {
                publisher.publishReply(envelope.getVmId(), seen.reply());
            }
            return HandlingResult.of(Kind.REDELIVERED, messageId, seen.hasReply() ? seen.reply() : null);
        }
        String detail = "message id " + messageId + " was handled at " + seen.topic() + "-" + seen.partition() + "@"
                + seen.offset() + " and arrived again at " + record;
        LOG.warn("{}: replay refused: {}", record, detail);
        publisher.publishAlert(alert(RefusalReason.REPLAYED, detail, record, envelope));
        return HandlingResult.of(Kind.REPLAYED, messageId, null);
    }

    private HandlingResult dispatch(Command command) throws IOException {
        switch (command.envelope.getMessageType()) {
            case CREATE_TARGET_VM:
                return createTarget(command);
            case MIGRATE_OUT:
                return migrateOut(command);
            case DELIVER_VM_KEY:
                return deliverVmKey(command);
            case FORWARDED_VM_ATTESTATION:
                return forwardedAttestation(command);
            case DEREGISTER_VM:
                return deregister(command);
            case ABORT_MIGRATION:
                return abort(command);
            default:
                throw new IllegalStateException("not a command: " + command.envelope.getMessageType());
        }
    }

    private HandlingResult createTarget(Command command) throws IOException {
        SecureZoneResponse opened = secureZone.openCommand(command.bytes);
        if (refused(opened)) {
            return refusedBySecureZone(command, opened);
        }
        VerifiedCommand verified = verifiedOrEnvelope(opened, command.envelope);
        try {
            hypervisor.createTarget(verified.getMigrationId(), verified.getVmId());
        } catch (HypervisorException e) {
            return hypervisorFailure(command, e);
        }
        TargetVmCreated body = TargetVmCreated.newBuilder()
                .setMigrationId(verified.getMigrationId())
                .setVmId(verified.getVmId())
                .setHostId(hostId)
                .setCreatedAt(now())
                .build();
        SecureZoneResponse signed = secureZone.signReply(MessageType.TARGET_VM_CREATED, TARGETS_CREATED.encode(body),
                verified.getBindingEpoch());
        if (refused(signed)) {
            return refusedBySecureZone(command, signed);
        }
        return carriedOut(command, signed);
    }

    private HandlingResult migrateOut(Command command) throws IOException {
        SecureZoneResponse opened = secureZone.openCommand(command.bytes);
        if (refused(opened)) {
            return refusedBySecureZone(command, opened);
        }
        VerifiedCommand verified = verifiedOrEnvelope(opened, command.envelope);
        MigrateOut body = MIGRATE_OUTS.decode(ByteBuffers.toArray(command.envelope.getBody()));
        VmDigests digests;
        try {
            hypervisor.migrateOut(verified.getMigrationId(), verified.getVmId(), body.getDestinationHostId());
            digests = hypervisor.describe(verified.getVmId());
        } catch (HypervisorException e) {
            return hypervisorFailure(command, e);
        }
        SecureZoneResponse attested = secureZone.attestVm(verified.getMigrationId(), verified.getVmId(),
                digests.descriptionDigest(), digests.imageManifestDigest());
        if (refused(attested)) {
            return refusedBySecureZone(command, attested);
        }
        return carriedOut(command, attested);
    }

    private HandlingResult deliverVmKey(Command command) throws IOException {
        // INSTALLED or FAILED, both signed by the secure zone; registrations (register:<vmId>) are no different.
        SecureZoneResponse installed = secureZone.installVmKey(command.bytes);
        if (refused(installed)) {
            return refusedBySecureZone(command, installed);
        }
        HandlingResult result = carriedOut(command, installed);
        String migrationId = command.envelope.getMigrationId();
        if (pendingCompletions.contains(migrationId)) {
            LOG.info("{}: VM key of migration {} installed; finishing its parked completion", command.record, migrationId);
            complete(command, migrationId, command.envelope.getVmId());
        }
        return result;
    }

    private HandlingResult forwardedAttestation(Command command) throws IOException {
        String migrationId = command.envelope.getMigrationId();
        String vmId = command.envelope.getVmId();
        VmDigests received;
        try {
            // Read-only: what arrived is compared inside the secure zone, which verifies the command first.
            received = hypervisor.describeReceived(migrationId, vmId);
        } catch (HypervisorException e) {
            return hypervisorFailure(command, e);
        }
        SecureZoneResponse checked = secureZone.checkAttestation(command.bytes, received.descriptionDigest(),
                received.imageManifestDigest());
        if (refused(checked)) {
            return refusedBySecureZone(command, checked);
        }
        Optional<byte[]> completed = complete(command, migrationId, vmId);
        if (completed.isEmpty()) {
            return HandlingResult.of(Kind.AWAITING_VM_KEY, command.envelope.getMessageId(), null);
        }
        return HandlingResult.of(Kind.CARRIED_OUT, command.envelope.getMessageId(), completed.get());
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
        if (refused(completed)) {
            LOG.info("{}: completion of migration {} waits for its VM key ({} {})", command.record, migrationId,
                    completed.getReason(), completed.getDetail());
            pendingCompletions.add(migrationId);
            return Optional.empty();
        }
        try {
            hypervisor.resume(migrationId, vmId);
        } catch (HypervisorException e) {
            pendingCompletions.remove(migrationId);
            return hypervisorFailure(command, e).reply();
        }
        // The VM now lives here under the binding the center is about to commit: no registration needed.
        registrations.add(vmId);
        byte[] reply = signedReplyOf(command, completed);
        publisher.publishReply(vmId, reply);
        pendingCompletions.remove(migrationId);
        return Optional.of(reply);
    }

    private HandlingResult deregister(Command command) throws IOException {
        SecureZoneResponse deregistered = secureZone.deregister(command.bytes);
        if (refused(deregistered)) {
            // The VM stays: nothing is removed without the secure zone's word.
            return refusedBySecureZone(command, deregistered);
        }
        String vmId = command.envelope.getVmId();
        try {
            hypervisor.deregister(vmId);
        } catch (HypervisorException e) {
            return hypervisorFailure(command, e);
        }
        registrations.remove(vmId);
        return carriedOut(command, deregistered);
    }

    private HandlingResult abort(Command command) throws IOException {
        AbortMigration body = ABORTS.decode(ByteBuffers.toArray(command.envelope.getBody()));
        boolean destination = body.getRole() == HostRole.DESTINATION;
        // Verified first; destruction follows and is idempotent, so a crash in between is healed by redelivery.
        SecureZoneResponse aborted = secureZone.abort(command.bytes, destination);
        if (refused(aborted)) {
            return refusedBySecureZone(command, aborted);
        }
        pendingCompletions.remove(command.envelope.getMigrationId());
        if (destination) {
            try {
                hypervisor.destroyTarget(command.envelope.getMigrationId(), command.envelope.getVmId());
            } catch (HypervisorException e) {
                return hypervisorFailure(command, e);
            }
        }
        return carriedOut(command, aborted);
    }

    private HandlingResult carriedOut(Command command, SecureZoneResponse response) throws IOException {
        byte[] reply = signedReplyOf(command, response);
        publisher.publishReply(command.envelope.getVmId(), reply);
        return HandlingResult.of(Kind.CARRIED_OUT, command.envelope.getMessageId(), reply);
    }

    private HandlingResult refusedBySecureZone(Command command, SecureZoneResponse response) throws IOException {
        RefusalReason reason = response.getReason() == null ? RefusalReason.INTERNAL_ERROR : response.getReason();
        String detail = response.getDetail() == null ? "" : response.getDetail().toString();
        LOG.warn("{}: secure zone refused {} {} for migration {}: {} {}", command.record,
                command.envelope.getMessageType(), command.envelope.getMessageId(), command.envelope.getMigrationId(),
                reason, detail);
        if (reason == RefusalReason.AGENT_NOT_AUTHENTICATED) {
            throw new AgentFatalException("secure zone of host " + hostId + " does not accept this agent: " + detail);
        }
        byte[] reply = response.getSignedReply() == null ? null : ByteBuffers.toArray(response.getSignedReply());
        if (reply == null && reason == RefusalReason.INTERNAL_ERROR) {
            // The secure zone could not decide (e.g. its disk): not a verdict on the command; try again.
            throw new IOException("secure zone failed internally on " + command.envelope.getMessageId() + ": " + detail);
        }
        if (reply != null) {
            publisher.publishReply(command.envelope.getVmId(), reply);
        }
        if (new EnvelopeRefusedException(reason, detail).isSecurityRelevant()) {
            publisher.publishAlert(alert(reason, detail, command.record, command.envelope));
        }
        return HandlingResult.of(Kind.REFUSED, command.envelope.getMessageId(), reply);
    }

    /** The hypervisor cannot do what a verified command asks: the secure zone signs a refusal so the center aborts. */
    private HandlingResult hypervisorFailure(Command command, HypervisorException failure) throws IOException {
        SignedEnvelope envelope = command.envelope;
        LOG.warn("{}: hypervisor cannot carry out {} {} for migration {}: {}", command.record, envelope.getMessageType(),
                envelope.getMessageId(), envelope.getMigrationId(), failure.getMessage());
        CommandRefused body = CommandRefused.newBuilder()
                .setCommandMessageId(envelope.getMessageId())
                .setCommandType(envelope.getMessageType())
                .setMigrationId(envelope.getMigrationId())
                .setVmId(envelope.getVmId())
                .setHostId(hostId)
                .setReason(RefusalReason.HYPERVISOR_FAILURE)
                .setDetail(failure.getMessage())
                .build();
        SecureZoneResponse signed = secureZone.signReply(MessageType.COMMAND_REFUSED, REFUSALS.encode(body),
                envelope.getBindingEpoch());
        if (refused(signed) || signed.getSignedReply() == null) {
            LOG.error("{}: secure zone would not sign the refusal of {}: {} {}", command.record, envelope.getMessageId(),
                    signed.getReason(), signed.getDetail());
            return HandlingResult.of(Kind.REFUSED, envelope.getMessageId(), null);
        }
        byte[] reply = ByteBuffers.toArray(signed.getSignedReply());
        publisher.publishReply(envelope.getVmId(), reply);
        return HandlingResult.of(Kind.REFUSED, envelope.getMessageId(), reply);
    }

    private byte[] signedReplyOf(Command command, SecureZoneResponse response) throws IOException {
        if (response.getSignedReply() == null) {
            // A secure zone that says OK without a signed reply is broken; retrying may get a proper answer.
            throw new IOException("secure zone answered " + response.getOutcome() + " without a signed reply for "
                    + command.envelope.getMessageId());
        }
        return ByteBuffers.toArray(response.getSignedReply());
    }

    private static boolean refused(SecureZoneResponse response) {
        return response.getOutcome() == SecureZoneOutcome.REFUSED;
    }

    /** The secure zone's view of a verified command; on a DUPLICATE it may only say "seen", then the envelope (verified before) speaks. */
    private static VerifiedCommand verifiedOrEnvelope(SecureZoneResponse response, SignedEnvelope envelope) {
        if (response.getVerifiedCommand() != null) {
            return response.getVerifiedCommand();
        }
        return VerifiedCommand.newBuilder()
                .setMessageId(envelope.getMessageId())
                .setMessageType(envelope.getMessageType())
                .setMigrationId(envelope.getMigrationId())
                .setVmId(envelope.getVmId())
                .setBindingEpoch(envelope.getBindingEpoch())
                .build();
    }

    private SecurityAlert alert(RefusalReason reason, String detail, CommandRecord record, SignedEnvelope envelope) {
        return SecurityAlert.newBuilder()
                .setAlertId(UUID.randomUUID().toString())
                .setDetectedAt(now())
                .setDetectedBy(component)
                .setReason(reason)
                .setDetail(detail)
                .setHostId(hostId)
                .setMigrationId(envelope.getMigrationId())
                .setVmId(envelope.getVmId())
                .setOffendingMessageId(envelope.getMessageId())
                .setSourceTopic(record.topic())
                .setSourcePartition(record.partition())
                .setSourceOffset(record.offset())
                .build();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /** A decoded command with its origin and the exact bytes relayed to the secure zone. */
    private static final class Command {
        final CommandRecord record;
        final SignedEnvelope envelope;
        final byte[] bytes;

        Command(CommandRecord record, SignedEnvelope envelope, byte[] bytes) {
            this.record = record;
            this.envelope = envelope;
            this.bytes = bytes;
        }
    }
}
