package io.vmigrate.schema.envelope;

import io.vmigrate.trust.Context;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The exact bytes an envelope signature covers, and the context it is bound to. Defined field by
 * field rather than as Avro bytes, so a later envelope schema version does not change what was
 * signed and old signatures still verify in a forensic replay.
 */
public final class EnvelopeSigningInput {

    private static final String LABEL = "vmigrate-envelope-v1";

    private EnvelopeSigningInput() {}

    /** Every field but the signature, each length-prefixed so no two envelopes share an encoding. */
    public static byte[] of(SignedEnvelope envelope) {
        var bytes = new ByteArrayOutputStream(256 + envelope.getBody().remaining());
        try (var out = new DataOutputStream(bytes)) {
            text(out, LABEL);
            text(out, envelope.getMessageId());
            text(out, envelope.getMessageType().name());
            text(out, envelope.getDirection().name());
            text(out, envelope.getMigrationId());
            text(out, envelope.getVmId());
            text(out, envelope.getHostId());
            out.writeLong(envelope.getIssuedAt().toEpochMilli());
            out.writeLong(envelope.getExpiresAt().toEpochMilli());
            out.writeLong(envelope.getBindingEpoch());
            text(out, envelope.getSuite().name());
            text(out, envelope.getSignerKeyId());
            byte[] body = new byte[envelope.getBody().remaining()];
            envelope.getBody().duplicate().get(body);
            out.writeInt(body.length);
            out.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Binds a signature to the migration, VM, host and message type it was made for. */
    public static Context contextOf(SignedEnvelope envelope) {
        return Context.of(envelope.getMigrationId(), envelope.getVmId(), envelope.getHostId(),
                "envelope/" + envelope.getMessageType().name());
    }

    private static void text(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }
}
