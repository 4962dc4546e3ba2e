package io.vmigrate.trust;

import io.vmigrate.trust.internal.BlobReader;
import io.vmigrate.trust.internal.BlobWriter;
import java.util.Arrays;
import java.util.Objects;

/**
 * A signature with the suite and key id that made it. Layout: version byte (0x11: kind 1
 * "signature", version 1), suite byte, 16-byte key id, 4-byte length, signature bytes.
 */
public final class SignatureBlob {
    static final int VERSION = 0x11;
    private static final int MAX_SIGNATURE_LENGTH = 256;

    private final Suite suite;
    private final KeyId signerKeyId;
    private final byte[] signature;

    SignatureBlob(Suite suite, KeyId signerKeyId, byte[] signature) {
        this.suite = Objects.requireNonNull(suite, "suite");
        this.signerKeyId = KeyId.requireNonNull(signerKeyId);
        this.signature = signature.clone();
    }

    public static SignatureBlob parse(byte[] bytes) throws MalformedBlobException {
        BlobReader in = new BlobReader(bytes, "signature blob");
        int version = in.u8();
        if (version != VERSION) {
            throw new MalformedBlobException("signature blob: unknown version 0x" + Integer.toHexString(version));
        }
        Suite suite = Suite.fromCode(in.u8());
        KeyId keyId = KeyId.fromBytes(in.fixed(KeyId.LENGTH, "key id"));
        byte[] signature = in.lengthPrefixed("signature", 1, MAX_SIGNATURE_LENGTH);
        in.expectEnd();
        return new SignatureBlob(suite, keyId, signature);
    }

    public byte[] toBytes() {
        return new BlobWriter().u8(VERSION).u8(suite.code()).fixed(signerKeyId.internalView())
                .lengthPrefixed(signature).toByteArray();
    }

    public Suite suite() {
        return suite;
    }

    public KeyId signerKeyId() {
        return signerKeyId;
    }

    public byte[] signature() {
        return signature.clone();
    }

    byte[] signatureView() {
        return signature;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof SignatureBlob)) {
            return false;
        }
        SignatureBlob that = (SignatureBlob) other;
        return suite == that.suite && signerKeyId.equals(that.signerKeyId) && Arrays.equals(signature, that.signature);
    }

    @Override
    public int hashCode() {
        return Objects.hash(suite, signerKeyId, Arrays.hashCode(signature));
    }

    @Override
    public String toString() {
        return "SignatureBlob[" + suite + " by " + signerKeyId + ", " + signature.length + " bytes]";
    }
}
