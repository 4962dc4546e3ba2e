package io.vmigrate.schema.operator;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.BoundedIds;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.keys.WireEnums;
import io.vmigrate.schema.request.AbortRequested;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.SignatureRefusedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * Checks an operator request before anything of it is used: bounded sizes, a record key equal to its
 * subject, a signer key the center is configured with, a valid signature, the validity window; only
 * then is the body decoded, and it must name the same subject. Authorization (the signer's role) is
 * left to the receiver, which needs the verified body to say whom a refusal concerns.
 */
public final class OperatorRequestOpener {

    /** Longest validity window a request may claim: a signed request is not a standing order. */
    public static final Duration MAX_LIFETIME = Duration.ofHours(1);
    static final int MAX_ID_CHARS = 128;
    static final int MAX_BODY_BYTES = 16 * 1024;
    static final int MAX_SIGNATURE_BYTES = 1024;

    private final OperatorKeys operators;
    private final Clock clock;
    private final Duration allowedClockSkew;

    public OperatorRequestOpener(OperatorKeys operators, Clock clock, Duration allowedClockSkew) {
        this.operators = Objects.requireNonNull(operators, "operators");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.allowedClockSkew = Objects.requireNonNull(allowedClockSkew, "allowedClockSkew");
    }

    /** Opens {@code request}, read from a record keyed {@code recordKey}, as of now. */
    public VerifiedOperatorRequest open(OperatorRequest request, String recordKey) throws EnvelopeRefusedException {
        String id = bounded(request.getRequestId(), "request id");
        bounded(request.getSubject(), "subject");
        bounded(request.getOperatorKeyId(), "operator key id");
        if (request.getBody().remaining() > MAX_BODY_BYTES || request.getSignature().remaining() > MAX_SIGNATURE_BYTES) {
            throw refused(RefusalReason.MALFORMED, "request " + id + ": body or signature over its size limit");
        }
        if (!request.getSubject().equals(recordKey)) {
            throw refused(RefusalReason.BINDING_MISMATCH, "request " + id + " is about " + request.getSubject()
                    + " but keyed by another id");
        }
        KnownOperator operator = operators.byKeyId(request.getOperatorKeyId())
                .orElseThrow(() -> refused(RefusalReason.UNKNOWN_SIGNER,
                        "request " + id + " is signed by unknown operator key " + request.getOperatorKeyId()));
        if (operator.publicKey().suite() != WireEnums.fromWire(request.getSuite())) {
            throw refused(RefusalReason.SIGNATURE_INVALID, "request " + id + " claims suite " + request.getSuite()
                    + " but operator key " + operator.keyId() + " is " + operator.publicKey().suite());
        }
        try {
            CryptoSuites.get(operator.publicKey().suite()).verifier(operator.publicKey()).verify(
                    SignatureBlob.parse(ByteBuffers.toArray(request.getSignature())),
                    OperatorRequestSigningInput.of(request), OperatorRequestSigningInput.contextOf(request));
        } catch (MalformedBlobException | SignatureRefusedException e) {
            throw refused(RefusalReason.SIGNATURE_INVALID, "request " + id + ": " + e.getMessage());
        }
        checkValidity(request, clock.instant());
        SpecificRecord body;
        try {
            body = OperatorRequestBodies.decode(request.getRequestType(), ByteBuffers.toArray(request.getBody()));
        } catch (SingleObjectCodec.CodecException e) {
            throw refused(RefusalReason.MALFORMED, "request " + id + ": body is not a " + request.getRequestType());
        }
        if (!request.getSubject().equals(OperatorRequestBodies.subjectOf(body))) {
            throw refused(RefusalReason.BINDING_MISMATCH, "request " + id + ": body names another subject");
        }
        checkBodyIds(body);
        return new VerifiedOperatorRequest(request, operator, body);
    }

    private void checkValidity(OperatorRequest request, Instant at) throws EnvelopeRefusedException {
        Instant issuedAt = request.getIssuedAt();
        Instant expiresAt = request.getExpiresAt();
        String id = request.getRequestId();
        if (!expiresAt.isAfter(issuedAt) || Duration.between(issuedAt, expiresAt).compareTo(MAX_LIFETIME) > 0) {
            throw refused(RefusalReason.MALFORMED, "request " + id + ": validity window is empty or longer than " + MAX_LIFETIME);
        }
        if (issuedAt.isAfter(at.plus(allowedClockSkew))) {
            throw refused(RefusalReason.EXPIRED, "request " + id + " is issued in the future (" + issuedAt + ")");
        }
        if (at.isAfter(expiresAt.plus(allowedClockSkew))) {
            throw refused(RefusalReason.EXPIRED, "request " + id + " expired at " + expiresAt);
        }
    }

    /** Identifiers inside a verified body are bounded too: they become keys, ids and log fields. */
    private static void checkBodyIds(SpecificRecord body) throws EnvelopeRefusedException {
        if (body instanceof MigrationRequested migration) {
            bounded(migration.getMigrationId(), "migration id");
            bounded(migration.getSourceHostId(), "source host id");
            bounded(migration.getDestinationHostId(), "destination host id");
        } else if (body instanceof AbortRequested abort) {
            bounded(abort.getMigrationId(), "migration id");
        }
    }

    private static String bounded(String value, String what) throws EnvelopeRefusedException {
        return BoundedIds.require(value, MAX_ID_CHARS, "operator request", what);
    }

    private static EnvelopeRefusedException refused(RefusalReason reason, String detail) {
        return new EnvelopeRefusedException(reason, detail);
    }
}
