package io.vmigrate.schema.audit;

import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.trust.Context;
import io.vmigrate.trust.Digest;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The exact bytes an audit record's signature covers, the context it is bound to, and the chain
 * hash. Defined field by field (like {@code EnvelopeSigningInput}) so a later schema version does
 * not change what was signed and a forensic replay can still verify old records.
 */
public final class AuditSigningInput {

    private static final String LABEL = "vmigrate-audit-v1";
    public static final String PURPOSE = "audit";

    private AuditSigningInput() {}

    /** Every field but the signature; optional fields are preceded by a presence byte. */
    public static byte[] of(AuditRecord record) {
        var bytes = new ByteArrayOutputStream(256);
        try (var out = new DataOutputStream(bytes)) {
            text(out, LABEL);
            text(out, record.getMigrationId());
            out.writeLong(record.getSequence());
            text(out, record.getStep().name());
            out.writeLong(record.getRecordedAt().toEpochMilli());
            text(out, record.getVmId());
            text(out, record.getSourceHostId());
            text(out, record.getDestinationHostId());
            if (record.getEpoch() == null) {
                out.writeByte(0);
            } else {
                out.writeByte(1);
                out.writeLong(record.getEpoch());
            }
            optionalText(out, record.getKeyFingerprint());
            optionalText(out, record.getRelatedMessageId());
            optionalText(out, record.getReason() == null ? null : record.getReason().name());
            optionalText(out, record.getDetail());
            byte[] previousHash = ByteBuffers.toArray(record.getPreviousHash());
            out.writeInt(previousHash.length);
            out.write(previousHash);
            text(out, record.getSuite().name());
            text(out, record.getSignerKeyId());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Binds an audit signature to its migration and VM. */
    public static Context contextOf(AuditRecord record) {
        return Context.of(record.getMigrationId(), record.getVmId(), "", PURPOSE);
    }

    /** What the next record's {@code previousHash} must be: digest(signing input ‖ signature bytes). */
    public static byte[] chainHash(AuditRecord record, Digest digest) {
        return digest.digest(of(record), ByteBuffers.toArray(record.getSignature()));
    }

    private static void optionalText(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeByte(0);
        } else {
            out.writeByte(1);
            text(out, value);
        }
    }

    private static void text(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }
}
