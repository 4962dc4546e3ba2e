package io.vmigrate.host;

import io.vmigrate.schema.alert.SecurityAlerts;
import io.vmigrate.host.HandlingResult.Kind;
import io.vmigrate.host.hypervisor.HypervisorException;
import io.vmigrate.securezone.client.SecureZonePort;
import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a command's handling ends, in the secure zone's own signed words: the reply published when it was
 * carried out, the zone's signed refusal of a verified command (plus an alert when it matters for
 * security), a dead letter and an alert for a command the zone did not admit, or a zone-signed
 * {@code CommandRefused} when the hypervisor could not act, so the center aborts. A refusal that says
 * this agent is not trusted stops the agent; one the zone could not decide is retried.
 */
final class CommandReplies {

    private static final Logger LOG = LoggerFactory.getLogger(CommandReplies.class);
    private static final SingleObjectCodec<CommandRefused> REFUSALS = SingleObjectCodec.of(CommandRefused.class);

    private final String hostId;
    private final String component;
    private final SecureZonePort secureZone;
    private final ReplyPublisher publisher;
    private final Clock clock;

    CommandReplies(String hostId, SecureZonePort secureZone, ReplyPublisher publisher, Clock clock) {
        this.hostId = hostId;
        this.component = "host-agent/" + hostId;
        this.secureZone = secureZone;
        this.publisher = publisher;
        this.clock = clock;
    }

    HandlingResult carriedOut(Command command, SecureZoneResponse response) throws IOException {
        byte[] reply = signedReplyOf(command, response);
        publisher.publishReply(command.envelope().getVmId(), reply);
        return HandlingResult.of(Kind.CARRIED_OUT, command.envelope().getMessageId(), reply);
    }

    HandlingResult refusedBySecureZone(Command command, SecureZoneResponse response) throws IOException {
        RefusalReason reason = response.getReason() == null ? RefusalReason.INTERNAL_ERROR : response.getReason();
        String detail = response.getDetail() == null ? "" : response.getDetail().toString();
        LOG.warn("{}: secure zone refused {} {} for migration {}: {} {}", command.record(),
                command.envelope().getMessageType(), command.envelope().getMessageId(), command.envelope().getMigrationId(),
                reason, detail);
        if (reason == RefusalReason.AGENT_NOT_AUTHENTICATED) {
            throw new AgentFatalException("secure zone of host " + hostId + " does not accept this agent: " + detail);
        }
        byte[] reply = response.getSignedReply() == null ? null : ByteBuffers.toArray(response.getSignedReply());
        if (reply == null && reason == RefusalReason.INTERNAL_ERROR) {
            // The secure zone could not decide (e.g. its disk): not a verdict on the command; try again.
            throw new IOException("secure zone failed internally on " + command.envelope().getMessageId() + ": " + detail);
        }
        if (reply == null) {
            return notAdmitted(command, reason, detail);
        }
        publisher.publishReply(command.envelope().getVmId(), reply);
        if (new EnvelopeRefusedException(reason, detail).isSecurityRelevant()) {
            publisher.publishAlert(alert(reason, detail, command.record(), command.envelope()));
        }
        return HandlingResult.of(Kind.REFUSED, command.envelope().getMessageId(), reply);
    }

    /**
     * The zone did not admit the command (a refusal without a signed reply): whatever it claims is
     * unverified, so nothing answers it on {@code host.events}; it is set aside with the zone's reason
     * and reported, once, and the offset moves on.
     */
    private HandlingResult notAdmitted(Command command, RefusalReason reason, String detail) {
        publisher.publishDeadLetter(command.record(), reason, "not admitted by the secure zone: " + detail);
        publisher.publishAlert(alert(reason, "command not admitted by the secure zone: " + detail, command.record(),
                command.envelope()));
        return HandlingResult.of(Kind.NOT_ADMITTED, command.envelope().getMessageId(), null);
    }

    /** The hypervisor cannot do what a verified command asks: the secure zone signs a refusal so the center aborts. */
    HandlingResult hypervisorFailure(Command command, HypervisorException failure) throws IOException {
        SignedEnvelope envelope = command.envelope();
        LOG.warn("{}: hypervisor cannot carry out {} {} for migration {}: {}", command.record(), envelope.getMessageType(),
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
            LOG.error("{}: secure zone would not sign the refusal of {}: {} {}", command.record(), envelope.getMessageId(),
                    signed.getReason(), signed.getDetail());
            return HandlingResult.of(Kind.REFUSED, envelope.getMessageId(), null);
        }
        byte[] reply = ByteBuffers.toArray(signed.getSignedReply());
        publisher.publishReply(envelope.getVmId(), reply);
        return HandlingResult.of(Kind.REFUSED, envelope.getMessageId(), reply);
    }

    byte[] signedReplyOf(Command command, SecureZoneResponse response) throws IOException {
        if (response.getSignedReply() == null) {
            // A secure zone that says OK without a signed reply is broken; retrying may get a proper answer.
            throw new IOException("secure zone answered " + response.getOutcome() + " without a signed reply for "
                    + command.envelope().getMessageId());
        }
        return ByteBuffers.toArray(response.getSignedReply());
    }

    static boolean refused(SecureZoneResponse response) {
        return response.getOutcome() == SecureZoneOutcome.REFUSED;
    }

    SecurityAlert alert(RefusalReason reason, String detail, CommandRecord record, SignedEnvelope envelope) {
        return SecurityAlerts.of(component, now(), reason, detail, hostId, envelope.getMigrationId(), envelope.getVmId(),
                envelope.getMessageId(), new SecurityAlerts.Origin(record.topic(), record.partition(), record.offset()));
    }

    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
