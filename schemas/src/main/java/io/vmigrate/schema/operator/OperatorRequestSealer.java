package io.vmigrate.schema.operator;

import io.vmigrate.schema.keys.WireEnums;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.trust.Signer;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;

/** Signs operator requests with one operator key: a fresh request id and an expiry each time. */
public final class OperatorRequestSealer {

    private final Signer signer;
    private final Clock clock;
    private final Duration timeToLive;

    public OperatorRequestSealer(Signer signer, Clock clock, Duration timeToLive) {
        this.signer = Objects.requireNonNull(signer, "signer");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (timeToLive.isNegative() || timeToLive.isZero() || timeToLive.compareTo(OperatorRequestOpener.MAX_LIFETIME) > 0) {
            throw new IllegalArgumentException("time to live must be positive and at most "
                    + OperatorRequestOpener.MAX_LIFETIME + ": " + timeToLive);
        }
        this.timeToLive = timeToLive;
    }

    /** The key id the center must know this operator by. */
    public String keyId() {
        return signer.keyId().toString();
    }

    public OperatorRequest seal(SpecificRecord body) {
        Instant now = clock.instant();
        return seal(UUID.randomUUID().toString(), body, now, now.plus(timeToLive));
    }

    /** Full control of id and validity, for tests of expiry and replays. */
    public OperatorRequest seal(String requestId, SpecificRecord body, Instant issuedAt, Instant expiresAt) {
        OperatorRequest request = OperatorRequest.newBuilder()
                .setRequestId(requestId)
                .setRequestType(OperatorRequestBodies.typeOf(body))
                .setSubject(OperatorRequestBodies.subjectOf(body))
                .setOperatorKeyId(signer.keyId().toString())
                .setSuite(WireEnums.toWire(signer.suite()))
                .setIssuedAt(issuedAt)
                .setExpiresAt(expiresAt)
                .setBody(ByteBuffer.wrap(OperatorRequestBodies.encode(body)))
                .setSignature(ByteBuffer.allocate(0))
                .build();
        byte[] signature = signer.sign(OperatorRequestSigningInput.of(request),
                OperatorRequestSigningInput.contextOf(request)).toBytes();
        request.setSignature(ByteBuffer.wrap(signature));
        return request;
    }
}
