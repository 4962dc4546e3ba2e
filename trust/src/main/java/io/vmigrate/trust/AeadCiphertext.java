package io.vmigrate.trust;

import io.vmigrate.trust.internal.BlobReader;
import io.vmigrate.trust.internal.BlobWriter;
import java.util.Arrays;
import java.util.Objects;

/**
 * An AEAD ciphertext. Layout: version byte (0x31: kind 3 "aead", version 1), suite byte, 16-byte
 * key id, 12-byte nonce, length-prefixed ciphertext with its 16-byte tag. The first 18 bytes (the
 * header) are authenticated along with the caller's associated data.
 */
public final class AeadCiphertext {
    static final int VERSION = 0x31;
    static final int NONCE_LENGTH = 12;
    static final int TAG_LENGTH = 16;

    private final Suite suite;
    private final KeyId keyId;
    private final byte[] nonce;
    private final byte[] ciphertext;

    AeadCiphertext(Suite suite, KeyId keyId, byte[] nonce, byte[] ciphertext) {
        this.suite = Objects.requireNonNull(suite, "suite");
        this.keyId = KeyId.requireNonNull(keyId);
        this.nonce = nonce.clone();
        this.ciphertext = ciphertext.clone();
    }

    public static AeadCiphertext parse(byte[] bytes) throws MalformedBlobException {
        BlobReader in = new BlobReader(bytes, "aead ciphertext");
        int version = in.u8();
        if (version != VERSION) {
            throw new MalformedBlobException("aead ciphertext: unknown version 0x" + Integer.toHexString(version));
        }
        Suite suite = Suite.fromCode(in.u8());
        KeyId keyId = KeyId.fromBytes(in.fixed(KeyId.LENGTH, "key id"));
        byte[] nonce = in.fixed(NONCE_LENGTH, "nonce");
        byte[] ciphertext = in.lengthPrefixed("ciphertext", TAG_LENGTH, Integer.MAX_VALUE - 64);
        in.expectEnd();
        return new AeadCiphertext(suite, keyId, nonce, ciphertext);
    }

    public byte[] toBytes() {
        return new BlobWriter().fixed(header(suite, keyId)).fixed(nonce).lengthPrefixed(ciphertext).toByteArray();
    }

    static byte[] header(Suite suite, KeyId keyId) {
        return new BlobWriter().u8(VERSION).u8(suite.code()).fixed(keyId.internalView()).toByteArray();
    }

    public Suite suite() {
        return suite;
    }

    public KeyId keyId() {
        return keyId;
    }

    public byte[] nonce() {
        return nonce.clone();
    }

    public byte[] ciphertext() {
        return ciphertext.clone();
    }

    byte[] nonceView() {
        return nonce;
    }

    byte[] ciphertextView() {
        return ciphertext;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof AeadCiphertext)) {
            return false;
        }
        AeadCiphertext that = (AeadCiphertext) other;
        return suite == that.suite && keyId.equals(that.keyId) && Arrays.equals(nonce, that.nonce)
                && Arrays.equals(ciphertext, that.ciphertext);
    }

    @Override
    public int hashCode() {
        return Objects.hash(suite, keyId, Arrays.hashCode(nonce));
    }

    @Override
    public String toString() {
        return "AeadCiphertext[" + suite + " under " + keyId + ", " + ciphertext.length + " bytes]";
    }
}
