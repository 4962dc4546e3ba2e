package io.vmigrate.schema.audit;

import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.trust.Digest;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.SignatureRefusedException;
import io.vmigrate.trust.Verifier;
import java.util.Arrays;
import java.util.List;

/** Checks one migration's audit records, in topic order: contiguous sequences, intact hash chain, center signatures. */
public final class AuditChain {

    private AuditChain() {}

    /** A gap, reordering, forgery or broken link in an audit chain. */
    public static final class BrokenChainException extends Exception {
        private static final long serialVersionUID = 1L;

        BrokenChainException(String message) {
            super(message);
        }
    }

    /**
     * Returns normally only if {@code records} (one migration's, in the order read) start at
     * sequence 0, increase by one, each link matches the previous record and every signature is the center's.
     */
    public static void verify(List<AuditRecord> records, Verifier center, Digest digest) throws BrokenChainException {
        byte[] expectedPrevious = new byte[0];
        String migrationId = records.isEmpty() ? null : records.get(0).getMigrationId();
        for (int i = 0; i < records.size(); i++) {
            AuditRecord record = records.get(i);
            String at = "audit record " + i + " of migration " + migrationId;
            if (!record.getMigrationId().equals(migrationId)) {
                throw new BrokenChainException(at + " belongs to migration " + record.getMigrationId());
            }
            if (record.getSequence() != i) {
                throw new BrokenChainException(at + " has sequence " + record.getSequence() + ", expected " + i);
            }
            if (!Arrays.equals(expectedPrevious, ByteBuffers.toArray(record.getPreviousHash()))) {
                throw new BrokenChainException(at + " does not link to its predecessor");
            }
            verifySignature(record, center, at);
            expectedPrevious = AuditSigningInput.chainHash(record, digest);
        }
    }

    /** Checks one record's center signature. */
    public static void verifySignature(AuditRecord record, Verifier center, String at) throws BrokenChainException {
        if (!center.keyId().toString().equals(record.getSignerKeyId())) {
            throw new BrokenChainException(at + " is signed by " + record.getSignerKeyId() + ", not the center key");
        }
        try {
            center.verify(SignatureBlob.parse(ByteBuffers.toArray(record.getSignature())),
                    AuditSigningInput.of(record), AuditSigningInput.contextOf(record));
        } catch (MalformedBlobException | SignatureRefusedException e) {
            throw new BrokenChainException(at + ": " + e.getMessage());
        }
    }
}
