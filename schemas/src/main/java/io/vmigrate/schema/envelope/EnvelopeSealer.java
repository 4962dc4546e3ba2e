package io.vmigrate.schema.envelope;

import io.vmigrate.schema.keys.WireEnums;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.trust.Signer;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;

/**
 * Wraps a command or reply body in a {@link SignedEnvelope} signed by one key: the center's for
 * commands, a secure zone's for replies. Each envelope gets a fresh message id and an expiry.
 */
public final class EnvelopeSealer {

    private final Signer signer;
    private final Clock clock;
    private final Duration timeToLive;

    public EnvelopeSealer(Signer signer, Clock clock, Duration timeToLive) {
        this.signer = Objects.requireNonNull(signer, "signer");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (timeToLive.isNegative() || timeToLive.isZero()) {
            throw new IllegalArgumentException("time to live must be positive: " + timeToLive);
        }
        this.timeToLive = timeToLive;
    }

    public SignedEnvelope seal(Addressing to, SpecificRecord body) {
        Instant now = clock.instant();
        return seal(UUID.randomUUID().toString(), to, body, now, now.plus(timeToLive));
    }

    /** Full control of id and validity, for retries that must keep one message id and for tests. */
    public SignedEnvelope seal(String messageId, Addressing to, SpecificRecord body, Instant issuedAt, Instant expiresAt) {
        if (!expiresAt.isAfter(issuedAt)) {
            throw new IllegalArgumentException("expiry " + expiresAt + " is not after issue time " + issuedAt);
        }
        MessageType type = MessageCatalogue.messageTypeOf(body);
        SignedEnvelope envelope = SignedEnvelope.newBuilder()
                .setMessageId(messageId)
                .setMessageType(type)
                .setDirection(MessageCatalogue.directionOf(type))
                .setMigrationId(to.migrationId())
                .setVmId(to.vmId())
                .setHostId(to.hostId())
                .setIssuedAt(issuedAt)
                .setExpiresAt(expiresAt)
                .setBindingEpoch(to.bindingEpoch())
                .setSuite(WireEnums.toWire(signer.suite()))
                .setSignerKeyId(signer.keyId().toString())
                .setBody(ByteBuffer.wrap(MessageCatalogue.encode(type, body)))
                .setSignature(ByteBuffer.allocate(0))
                .build();
        byte[] signature = signer.sign(EnvelopeSigningInput.of(envelope), EnvelopeSigningInput.contextOf(envelope)).toBytes();
        envelope.setSignature(ByteBuffer.wrap(signature));
        return envelope;
    }
}
