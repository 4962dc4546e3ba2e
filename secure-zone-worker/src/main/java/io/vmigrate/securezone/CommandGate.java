package io.vmigrate.securezone;

import io.vmigrate.schema.common.Direction;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeLimits;
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
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks every center command passes before its action, in order: within its size bounds and
 * decodes (MALFORMED); opens with the pinned center keys, i.e. identifier bounds, signature and
 * validity window ({@link EnvelopeOpener}); travels center to host; names this host (WRONG_HOST); is
 * of a type the operation takes (MALFORMED); was not acted on before (else DUPLICATE with the reply
 * then). A command that fails these admission checks is refused WITHOUT a signed reply (nothing it
 * claims is verified). An admitted command is carried out and recorded in the replay cache in one
 * transition (the store forgets what expired in the same one); one its action refuses is answered with a
 * signed refusal.
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

    private final String hostId;
    private final EnvelopeOpener opener;
    private final ZoneStore store;
    private final ReplySigner replies;
    private final PinnedKeys pinned;

    CommandGate(String hostId, Clock clock, Duration skew, PinnedKeys pinned, ZoneStore store, ReplySigner replies) {
        this.hostId = hostId;
        this.opener = new EnvelopeOpener(pinned::center, clock, skew);
        this.pinned = pinned;
        this.store = store;
        this.replies = replies;
    }

    SecureZoneResponse carryOut(long sequence, ByteBuffer envelopeBytes, Set<MessageType> accepted,
            RefusalReply refusalReply, Action action) throws IOException {
        OpenedEnvelope opened;
        try {
            opened = admit(envelopeBytes, accepted);
        } catch (ZoneRefusal refusal) {
            return notAdmitted(sequence, refusal);
        }
        SignedEnvelope envelope = opened.envelope();
        Optional<ReplayEntry> prior = store.current().replayEntry(envelope.getMessageId());
        if (prior.isPresent()) {
            return duplicate(sequence, opened, prior.get());
        }
        try {
            Transition tx = store.begin();
            byte[] reply = action.apply(opened, tx);
            tx.remember(new ReplayEntry(envelope.getMessageId(), envelope.getExpiresAt().toEpochMilli(), reply));
            store.commit(tx);
            pinned.learn(store.current());
            LOG.info("host {}: carried out command {} ({}, migration {}, vm {})", hostId, envelope.getMessageId(),
                    envelope.getMessageType(), envelope.getMigrationId(), envelope.getVmId());
            return ZoneResponses.ok(sequence).setSignedReply(reply == null ? null : ByteBuffer.wrap(reply))
                    .setVerifiedCommand(ZoneResponses.verified(opened)).build();
        } catch (ZoneRefusal refusal) {
            // A verified command this zone will not carry out: the center sent it, so it gets a signed answer.
            LOG.warn("host {}: refused command {} (migration {}): {}", hostId, envelope.getMessageId(),
                    envelope.getMigrationId(), refusal.getMessage());
            byte[] reply = refusalReply == RefusalReply.KEY_INSTALL_FAILED
                    ? replies.keyInstallFailed(envelope, refusal)
                    : replies.commandRefused(envelope, refusal);
            return ZoneResponses.refused(sequence, refusal.reason(), refusal.detail())
                    .setSignedReply(ByteBuffer.wrap(reply)).build();
        }
    }

    /**
     * Admits a command and says what it asks ({@link ZoneResponses#verified}) without acting on it:
     * nothing changes, nothing is signed, the replay cache is not written. A command already carried
     * out answers DUPLICATE with its reply then, as {@link #carryOut} would.
     */
    SecureZoneResponse verify(long sequence, ByteBuffer envelopeBytes, Set<MessageType> accepted) {
        OpenedEnvelope opened;
        try {
            opened = admit(envelopeBytes, accepted);
        } catch (ZoneRefusal refusal) {
            return notAdmitted(sequence, refusal);
        }
        Optional<ReplayEntry> prior = store.current().replayEntry(opened.envelope().getMessageId());
        if (prior.isPresent()) {
            return duplicate(sequence, opened, prior.get());
        }
        return ZoneResponses.ok(sequence).setVerifiedCommand(ZoneResponses.verified(opened)).build();
    }

    private SecureZoneResponse duplicate(long sequence, OpenedEnvelope opened, ReplayEntry prior) {
        SignedEnvelope envelope = opened.envelope();
        LOG.info("host {}: command {} ({}, migration {}) was already carried out; answering with the reply then",
                hostId, envelope.getMessageId(), envelope.getMessageType(), envelope.getMigrationId());
        return ZoneResponses.duplicate(sequence)
                .setSignedReply(prior.signedReply() == null ? null : ByteBuffer.wrap(prior.signedReply()))
                .setVerifiedCommand(ZoneResponses.verified(opened)).build();
    }

    /**
     * A command that was not admitted is answered without a signed reply: whatever migration or VM it
     * claims is unverified, and a zone-signed refusal naming them would let anyone who can write to the
     * command topic make the center abort a real migration. The agent dead-letters it and raises an alert.
     */
    private SecureZoneResponse notAdmitted(long sequence, ZoneRefusal refusal) {
        LOG.warn("host {}: command not admitted: {}", hostId, refusal.getMessage());
        return ZoneResponses.refused(sequence, refusal.reason(), refusal.detail()).build();
    }

    /** Decodes and opens a command, then checks it travels center to host, to this host, as a type this operation takes. */
    private OpenedEnvelope admit(ByteBuffer envelopeBytes, Set<MessageType> accepted) throws ZoneRefusal {
        SignedEnvelope envelope = decode(envelopeBytes);
        return admit(envelope, accepted);
    }

    private static SignedEnvelope decode(ByteBuffer envelopeBytes) throws ZoneRefusal {
        try {
            EnvelopeLimits.checkEncodedSize(envelopeBytes.remaining());
            return ENVELOPES.decode(ByteBuffers.toArray(envelopeBytes));
        } catch (EnvelopeRefusedException e) {
            throw new ZoneRefusal(e.reason(), detailOf(e));
        } catch (SingleObjectCodec.CodecException e) {
            throw new ZoneRefusal(RefusalReason.MALFORMED, "command envelope does not decode: " + e.getMessage());
        }
    }

    private static String detailOf(EnvelopeRefusedException e) {
        String prefix = e.reason() + ": ";
        return e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
    }

    private OpenedEnvelope admit(SignedEnvelope envelope, Set<MessageType> accepted) throws ZoneRefusal {
        OpenedEnvelope opened;
        try {
            opened = opener.open(envelope);
        } catch (EnvelopeRefusedException e) {
            throw new ZoneRefusal(e.reason(), detailOf(e));
        }
        if (envelope.getDirection() != Direction.CENTER_TO_HOST) {
            throw new ZoneRefusal(RefusalReason.MALFORMED, "envelope " + envelope.getMessageId() + " is not a command");
        }
        // Its replay entry may be forgotten: whatever the clock says now (it may have been stepped back), a
        // command that expired before that instant could be one already carried out.
        long forgottenBefore = store.current().repliesForgottenBeforeMillis();
        if (envelope.getExpiresAt().toEpochMilli() < forgottenBefore) {
            throw new ZoneRefusal(RefusalReason.EXPIRED, "command " + envelope.getMessageId() + " expired at "
                    + envelope.getExpiresAt() + ", before " + java.time.Instant.ofEpochMilli(forgottenBefore)
                    + ", up to which this zone forgets what it carried out");
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
