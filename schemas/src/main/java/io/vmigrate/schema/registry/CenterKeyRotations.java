package io.vmigrate.schema.registry;

import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.keys.WireEnums;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.CanonicalBytes;
import io.vmigrate.trust.Context;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.SignatureRefusedException;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Verifier;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * Signs and checks a {@link CenterKeyRotation}: the old key signs every field but the two signatures
 * (that is what a secure zone accepts the new key from), and the new key signs the same bytes under
 * another purpose (proof that the center holds it, so no one can announce a key they do not hold).
 * Field by field, so the bytes never depend on a schema version.
 */
public final class CenterKeyRotations {

    public static final String PURPOSE = "center-key-rotation";
    public static final String POSSESSION_PURPOSE = "center-key-possession";

    /** The VM id an announcement envelope names: it is about no VM, and no VM id has this form. */
    public static final String ANNOUNCEMENT_VM_ID = "center-key";

    private CenterKeyRotations() {}

    /** Where the announcement of rotation {@code sequence} to {@code hostId} is addressed (migration id {@code center-key-rotation:<n>}). */
    public static Addressing announcementTo(long sequence, String hostId) {
        return Addressing.of(PURPOSE + ":" + sequence, ANNOUNCEMENT_VM_ID, hostId, 0);
    }

    /** The statement retiring {@code oldKey}'s signer in favour of {@code newKey}'s, signed by both. */
    public static CenterKeyRotation sign(long sequence, Signer oldKey, Signer newKey, PublicKeyHandle newPublicKey,
            Instant validFrom, Instant oldKeyValidUntil) {
        if (sequence < 1) {
            throw new IllegalArgumentException("rotation sequence must be positive: " + sequence);
        }
        if (!newPublicKey.keyId().equals(newKey.keyId()) || oldKey.suite() != newKey.suite()) {
            throw new IllegalArgumentException("the new key's signer and public key differ, or the suites differ");
        }
        if (oldKeyValidUntil.isBefore(validFrom)) {
            throw new IllegalArgumentException("the old key must stay valid until the new one is: " + oldKeyValidUntil);
        }
        CenterKeyRotation statement = CenterKeyRotation.newBuilder()
                .setSequence(sequence)
                .setSuite(WireEnums.toWire(oldKey.suite()))
                .setOldKeyId(oldKey.keyId().toString())
                .setNewKey(PublicKeyRecords.toRecord(newPublicKey))
                .setValidFrom(validFrom)
                .setOldKeyValidUntil(oldKeyValidUntil)
                .setOldKeySignature(ByteBuffer.allocate(0))
                .setNewKeySignature(ByteBuffer.allocate(0))
                .build();
        byte[] input = signingInput(statement);
        statement.setOldKeySignature(ByteBuffer.wrap(oldKey.sign(input, context(PURPOSE)).toBytes()));
        statement.setNewKeySignature(ByteBuffer.wrap(newKey.sign(input, context(POSSESSION_PURPOSE)).toBytes()));
        return statement;
    }

    /** The announced key, checked against its stated key id; throws IllegalArgumentException if it is not a valid key. */
    public static PublicKeyHandle newKey(CenterKeyRotation statement) {
        return PublicKeyRecords.fromRecord(statement.getNewKey());
    }

    /**
     * True only if {@code oldKey} (whose id the statement must name) signed the statement and
     * {@code newKey} (the announced key's verifier) proved possession.
     */
    public static boolean isSignedBy(CenterKeyRotation statement, Verifier oldKey, Verifier newKey) {
        if (!oldKey.keyId().toString().equals(statement.getOldKeyId())
                || !newKey.keyId().toString().equals(statement.getNewKey().getKeyId())
                || oldKey.suite() != WireEnums.fromWire(statement.getSuite()) || newKey.suite() != oldKey.suite()) {
            return false;
        }
        try {
            byte[] input = signingInput(statement);
            oldKey.verify(SignatureBlob.parse(ByteBuffers.toArray(statement.getOldKeySignature())), input, context(PURPOSE));
            newKey.verify(SignatureBlob.parse(ByteBuffers.toArray(statement.getNewKeySignature())), input,
                    context(POSSESSION_PURPOSE));
            return true;
        } catch (MalformedBlobException | SignatureRefusedException e) {
            return false;
        }
    }

    static byte[] signingInput(CenterKeyRotation statement) {
        PublicKeyRecord key = statement.getNewKey();
        return new CanonicalBytes()
                .text("vmigrate-center-key-rotation-v1")
                .int64(statement.getSequence())
                .text(statement.getSuite().name())
                .text(statement.getOldKeyId())
                .text(key.getSuite().name()).text(key.getPurpose().name()).text(key.getKeyId()).bytes(key.getSpki())
                .int64(statement.getValidFrom().toEpochMilli())
                .int64(statement.getOldKeyValidUntil().toEpochMilli())
                .toByteArray();
    }

    private static Context context(String purpose) {
        return Context.of("", "", "center", purpose);
    }
}
