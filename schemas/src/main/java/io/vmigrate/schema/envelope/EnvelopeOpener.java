package io.vmigrate.schema.envelope;

import io.vmigrate.schema.keys.WireEnums;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.SignatureRefusedException;
import io.vmigrate.trust.Verifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Checks an envelope before anyone acts on it: every identifier and the body within their bounds
 * ({@link EnvelopeLimits}), a signer key we trust, a valid signature over every
 * field, the direction its type allows, the validity window, and a body that decodes and names the
 * same migration and VM as the envelope. Receivers add their own checks (addressed to me, not
 * replayed, current epoch) on top.
 */
public final class EnvelopeOpener {

    /** Who may sign: a key id resolved to a verifier (pinned center keys, registered secure-zone keys). */
    @FunctionalInterface
    public interface SignerKeys {
        Optional<Verifier> verifierFor(String keyId);
    }

    private final SignerKeys signerKeys;
    private final Clock clock;
    private final Duration allowedClockSkew;

    public EnvelopeOpener(SignerKeys signerKeys, Clock clock, Duration allowedClockSkew) {
        this.signerKeys = Objects.requireNonNull(signerKeys, "signerKeys");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.allowedClockSkew = Objects.requireNonNull(allowedClockSkew, "allowedClockSkew");
    }

    /** Opens as of now. */
    public OpenedEnvelope open(SignedEnvelope envelope) throws EnvelopeRefusedException {
        return openAt(envelope, clock.instant());
    }

    /** Opens as of a given instant, e.g. the record timestamp when replaying a log. */
    public OpenedEnvelope openAt(SignedEnvelope envelope, Instant at) throws EnvelopeRefusedException {
        EnvelopeLimits.check(envelope);
        String id = envelope.getMessageId();
        if (envelope.getDirection() != MessageCatalogue.directionOf(envelope.getMessageType())) {
            throw new EnvelopeRefusedException(RefusalReason.MALFORMED,
                    "envelope " + id + ": " + envelope.getMessageType() + " cannot travel " + envelope.getDirection());
        }
        Verifier verifier = signerKeys.verifierFor(envelope.getSignerKeyId())
                .orElseThrow(() -> new EnvelopeRefusedException(RefusalReason.UNKNOWN_SIGNER,
                        "envelope " + id + " is signed by unknown key " + envelope.getSignerKeyId()));
        if (verifier.suite() != WireEnums.fromWire(envelope.getSuite())) {
            throw new EnvelopeRefusedException(RefusalReason.SIGNATURE_INVALID,
                    "envelope " + id + " claims suite " + envelope.getSuite() + " but key "
                            + envelope.getSignerKeyId() + " is " + verifier.suite());
        }
        verifySignature(envelope, verifier);
        checkValidity(envelope, at);
        SpecificRecord body = decodeBody(envelope);
        checkBodyNamesTheEnvelope(envelope, body);
        return new OpenedEnvelope(envelope, body);
    }

    private static void verifySignature(SignedEnvelope envelope, Verifier verifier) throws EnvelopeRefusedException {
        byte[] signature = new byte[envelope.getSignature().remaining()];
        envelope.getSignature().duplicate().get(signature);
        try {
            verifier.verify(SignatureBlob.parse(signature), EnvelopeSigningInput.of(envelope),
                    EnvelopeSigningInput.contextOf(envelope));
        } catch (MalformedBlobException e) {
            throw new EnvelopeRefusedException(RefusalReason.SIGNATURE_INVALID,
                    "envelope " + envelope.getMessageId() + ": malformed signature: " + e.getMessage(), e);
        } catch (SignatureRefusedException e) {
            throw new EnvelopeRefusedException(RefusalReason.SIGNATURE_INVALID,
                    "envelope " + envelope.getMessageId() + ": " + e.getMessage(), e);
        }
    }

    private void checkValidity(SignedEnvelope envelope, Instant at) throws EnvelopeRefusedException {
        Instant issuedAt = envelope.getIssuedAt();
        Instant expiresAt = envelope.getExpiresAt();
        if (!expiresAt.isAfter(issuedAt)) {
            throw new EnvelopeRefusedException(RefusalReason.MALFORMED,
                    "envelope " + envelope.getMessageId() + " expires before it was issued");
        }
        if (issuedAt.isAfter(at.plus(allowedClockSkew))) {
            throw new EnvelopeRefusedException(RefusalReason.EXPIRED,
                    "envelope " + envelope.getMessageId() + " is issued in the future (" + issuedAt + ")");
        }
        if (at.isAfter(expiresAt.plus(allowedClockSkew))) {
            throw new EnvelopeRefusedException(RefusalReason.EXPIRED,
                    "envelope " + envelope.getMessageId() + " expired at " + expiresAt);
        }
    }

    private static SpecificRecord decodeBody(SignedEnvelope envelope) throws EnvelopeRefusedException {
        byte[] body = new byte[envelope.getBody().remaining()];
        envelope.getBody().duplicate().get(body);
        try {
            return MessageCatalogue.decode(envelope.getMessageType(), body);
        } catch (SingleObjectCodec.CodecException e) {
            throw new EnvelopeRefusedException(RefusalReason.MALFORMED,
                    "envelope " + envelope.getMessageId() + ": " + e.getMessage(), e);
        }
    }

    /** A validly signed body must not speak of another migration or VM than its envelope. */
    private static void checkBodyNamesTheEnvelope(SignedEnvelope envelope, SpecificRecord body)
            throws EnvelopeRefusedException {
        Schema schema = body.getSchema();
        Schema.Field migrationId = schema.getField("migrationId");
        if (migrationId != null && !envelope.getMigrationId().equals(body.get(migrationId.pos()))) {
            throw new EnvelopeRefusedException(RefusalReason.BINDING_MISMATCH,
                    "envelope " + envelope.getMessageId() + ": body names another migration");
        }
        Schema.Field vmId = schema.getField("vmId");
        if (vmId != null && !envelope.getVmId().equals(body.get(vmId.pos()))) {
            throw new EnvelopeRefusedException(RefusalReason.BINDING_MISMATCH,
                    "envelope " + envelope.getMessageId() + ": body names another VM");
        }
    }
}
