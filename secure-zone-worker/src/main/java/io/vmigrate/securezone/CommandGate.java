package io.vmigrate.securezone;

import io.vmigrate.schema.common.Direction;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.securezone.ZoneState.ReplayEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks every center command passes before its action, in order: decodes (MALFORMED); opens with
 * the pinned center keys, i.e. signature and validity window ({@link EnvelopeOpener}); travels center
 * to host; names this host (WRONG_HOST); is of a type the operation takes (MALFORMED); was not acted
 * on before (else DUPLICATE with the reply then). A command that passes is carried out and recorded
 * in the replay cache in one transition; one that fails is answered with a signed refusal.
 */
final class CommandGate {

    /** What one verified, fresh command does to the next state; returns the signed reply, if any. */
    @FunctionalInterface
    interface Action {
        byte[] apply(OpenedEnvelope command, Transition tx) throws ZoneRefusal;
    }

    /** The signed reply a refused command gets. */
    enum RefusalReply { COMMAND_REFUSED, KEY_INSTALL_FAILED }

    private static final Logger LOG = LoggerFactory.getLogger(CommandGate.class);
    private static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);
    /**
     * Replay-cache entries outlive their command's expiry by this much, so a wall clock stepped back
     * (e.g. across a restart) cannot make a forgotten command look fresh again.
     */
    private static final Duration REPLAY_RETENTION_MARGIN = Duration.ofDays(1);

    private final String hostId;
    private final Clock clock;
    private final EnvelopeOpener opener;
    private final ZoneStore store;
    private final ReplySigner replies;
    private final Duration replayRetention;

    CommandGate(String hostId, Clock clock, Duration skew, PinnedKeys pinned, ZoneStore store, ReplySigner replies) {
        this.hostId = hostId;
        this.clock = clock;
        this.opener = new EnvelopeOpener(pinned::center, clock, skew);
        this.store = store;
        this.replies = replies;
        this.replayRetention = skew.plus(REPLAY_RETENTION_MARGIN);
    }

    SecureZoneResponse carryOut(long sequence, ByteBuffer envelopeBytes, Set<MessageType> accepted,
            RefusalReply refusalReply, Action action) throws IOException {
        SignedEnvelope envelope = null;
        try {
            envelope = decode(envelopeBytes);
            OpenedEnvelope opened = admit(envelope, accepted);
            ReplayEntry prior = store.current().replayByMessageId.get(envelope.getMessageId());
            if (prior != null) {
                LOG.info("host {}: command {} ({}, migration {}) was already carried out; answering with the reply then",
                        hostId, envelope.getMessageId(), envelope.getMessageType(), envelope.getMigrationId());
                return ZoneResponses.duplicate(sequence)
                        .setSignedReply(prior.signedReply() == null ? null : ByteBuffer.wrap(prior.signedReply()))
                        .setVerifiedCommand(ZoneResponses.verified(envelope)).build();
            }
            Transition tx = store.begin();
            byte[] reply = action.apply(opened, tx);
            tx.next.replayByMessageId.put(envelope.getMessageId(),
                    new ReplayEntry(envelope.getMessageId(), envelope.getExpiresAt().toEpochMilli(), reply));
            tx.next.pruneReplayCache(clock.instant().minus(replayRetention).toEpochMilli());
            store.commit(tx);
            LOG.info("host {}: carried out command {} ({}, migration {}, vm {})", hostId, envelope.getMessageId(),
                    envelope.getMessageType(), envelope.getMigrationId(), envelope.getVmId());
            return ZoneResponses.ok(sequence).setSignedReply(reply == null ? null : ByteBuffer.wrap(reply))
                    .setVerifiedCommand(ZoneResponses.verified(envelope)).build();
        } catch (ZoneRefusal refusal) {
            String messageId = envelope == null ? "(undecodable)" : envelope.getMessageId();
            LOG.warn("host {}: refused command {} (migration {}): {}", hostId, messageId,
                    envelope == null ? "?" : envelope.getMigrationId(), refusal.getMessage());
            byte[] reply = refusalReply == RefusalReply.KEY_INSTALL_FAILED
                    ? replies.keyInstallFailed(envelope, refusal)
                    : replies.commandRefused(envelope, accepted, refusal);
            return ZoneResponses.refused(sequence, refusal.reason(), refusal.detail())
                    .setSignedReply(ByteBuffer.wrap(reply)).build();
        }
    }

    private static SignedEnvelope decode(ByteBuffer envelopeBytes) throws ZoneRefusal {
        try {
            return ENVELOPES.decode(ByteBuffers.toArray(envelopeBytes));
        } catch (SingleObjectCodec.CodecException e) {
            throw new ZoneRefusal(RefusalReason.MALFORMED, "command envelope does not decode: " + e.getMessage());
        }
    }

    private OpenedEnvelope admit(SignedEnvelope envelope, Set<MessageType> accepted) throws ZoneRefusal {
        OpenedEnvelope opened;
        try {
            opened = opener.open(envelope);
        } catch (EnvelopeRefusedException e) {
            String prefix = e.reason() + ": ";
            String detail = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
            throw new ZoneRefusal(e.reason(), detail);
        }
        if (envelope.getDirection() != Direction.CENTER_TO_HOST) {
            throw new ZoneRefusal(RefusalReason.MALFORMED, "envelope " + envelope.getMessageId() + " is not a command");
        }
        if (!hostId.equals(envelope.getHostId())) {
            throw new ZoneRefusal(RefusalReason.WRONG_HOST,
                    "command " + envelope.getMessageId() + " is for host " + envelope.getHostId() + ", this is " + hostId);
        }
        if (!accepted.contains(envelope.getMessageType())) {
            throw new ZoneRefusal(RefusalReason.MALFORMED, "command " + envelope.getMessageId() + " is a "
                    + envelope.getMessageType() + ", this operation takes " + accepted);
        }
        return opened;
    }
}
