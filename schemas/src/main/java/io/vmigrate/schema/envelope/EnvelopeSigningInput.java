package io.vmigrate.schema.envelope;

import io.vmigrate.schema.serde.CanonicalBytes;
import io.vmigrate.trust.Context;

/**
 * The exact bytes an envelope signature covers, and the context it is bound to. Defined field by
 * field rather than as Avro bytes, so a later envelope schema version does not change what was
 * signed and old signatures still verify in a forensic replay.
 */
public final class EnvelopeSigningInput {

    private static final String LABEL = "vmigrate-envelope-v1";

    private EnvelopeSigningInput() {}

    /** Every field but the signature. */
    public static byte[] of(SignedEnvelope envelope) {
        return new CanonicalBytes()
                .text(LABEL)
                .text(envelope.getMessageId())
                .text(envelope.getMessageType().name())
                .text(envelope.getDirection().name())
                .text(envelope.getMigrationId())
                .text(envelope.getVmId())
                .text(envelope.getHostId())
                .int64(envelope.getIssuedAt().toEpochMilli())
                .int64(envelope.getExpiresAt().toEpochMilli())
                .int64(envelope.getBindingEpoch())
                .text(envelope.getSuite().name())
                .text(envelope.getSignerKeyId())
                .bytes(envelope.getBody())
                .toByteArray();
    }

    /** Binds a signature to the migration, VM, host and message type it was made for. */
    public static Context contextOf(SignedEnvelope envelope) {
        return Context.of(envelope.getMigrationId(), envelope.getVmId(), envelope.getHostId(),
                "envelope/" + envelope.getMessageType().name());
    }
}
