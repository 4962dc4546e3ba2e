package io.vmigrate.schema.operator;

import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.serde.CanonicalBytes;
import io.vmigrate.trust.Context;

/**
 * The exact bytes an operator request's signature covers, field by field (as
 * {@link io.vmigrate.schema.envelope.EnvelopeSigningInput} does for envelopes), and its context: a
 * request signature can never pass for a command's, a reply's or a registry entry's.
 */
public final class OperatorRequestSigningInput {

    private static final String LABEL = "vmigrate-operator-request-v1";
    private static final String PURPOSE_PREFIX = "operator-request/";

    private OperatorRequestSigningInput() {}

    /** Every field but the signature. */
    public static byte[] of(OperatorRequest request) {
        return new CanonicalBytes()
                .text(LABEL)
                .text(request.getRequestId())
                .text(request.getRequestType().name())
                .text(request.getSubject())
                .text(request.getOperatorKeyId())
                .text(request.getSuite().name())
                .int64(request.getIssuedAt().toEpochMilli())
                .int64(request.getExpiresAt().toEpochMilli())
                .bytes(request.getBody())
                .toByteArray();
    }

    /** Binds the signature to the request type and its subject (VM or host). */
    public static Context contextOf(OperatorRequest request) {
        return Context.of("", request.getSubject(), "", PURPOSE_PREFIX + request.getRequestType().name());
    }
}
