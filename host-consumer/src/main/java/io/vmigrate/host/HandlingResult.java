package io.vmigrate.host;

import java.util.Objects;
import java.util.Optional;

/** What the agent did with one command record. */
public final class HandlingResult {

    /** The kinds of outcome; every one of them lets the consumer commit the record's offset. */
    public enum Kind {
        /** Verified by the secure zone and carried out; the signed reply was published. */
        CARRIED_OUT,
        /** Refused (by the secure zone, or the hypervisor could not do it); a signed refusal was published if one exists. */
        REFUSED,
        /** The attestation checked out, but the VM key of the migration is not installed yet; completion follows its delivery. */
        AWAITING_VM_KEY,
        /** Already handled at this very offset (redelivery after a crash); the stored reply was published again. */
        REDELIVERED,
        /**
         * The secure zone did not admit it (undecodable, too large, unknown or wrong signer, bad signature,
         * expired, another host's, wrong type): dead-lettered with the zone's reason and alerted, with no
         * signed answer, since nothing it claims is verified.
         */
        NOT_ADMITTED,
        /** A message id already handled at another offset: refused and reported, nothing else published. */
        REPLAYED,
        /** Not a command at all; sent to the dead-letter topic. */
        DEAD_LETTERED
    }

    private final Kind kind;
    private final String messageId;
    private final byte[] reply;

    private HandlingResult(Kind kind, String messageId, byte[] reply) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.messageId = messageId;
        this.reply = reply == null ? null : reply.clone();
    }

    static HandlingResult of(Kind kind, String messageId, byte[] reply) {
        return new HandlingResult(kind, messageId, reply);
    }

    public Kind kind() {
        return kind;
    }

    /** The command's message id, if it decoded. */
    public Optional<String> messageId() {
        return Optional.ofNullable(messageId);
    }

    /** The signed reply published for it, if any. */
    public Optional<byte[]> reply() {
        return Optional.ofNullable(reply).map(byte[]::clone);
    }

    @Override
    public String toString() {
        return kind + (messageId == null ? "" : " " + messageId);
    }
}
