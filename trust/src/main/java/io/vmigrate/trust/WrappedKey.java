package io.vmigrate.trust;

import io.vmigrate.trust.internal.BlobReader;
import io.vmigrate.trust.internal.BlobWriter;
import java.util.Arrays;
import java.util.Objects;

/**
 * A secret wrapped to one recipient key. Layout: version byte (0x21: kind 2 "wrapped key",
 * version 1), suite byte, 16-byte recipient key id, length-prefixed encapsulation, length-prefixed
 * ciphertext. The first 18 bytes (the header) are authenticated as associated data.
 */
public final class WrappedKey {
    static final int VERSION = 0x21;
    private static final int MAX_ENCAPSULATION_LENGTH = 1024;
    private static final int MAX_CIPHERTEXT_LENGTH = 1 << 20;

    private final Suite suite;
    private final KeyId recipientKeyId;
    private final byte[] encapsulation;
    private final byte[] ciphertext;

    WrappedKey(Suite suite, KeyId recipientKeyId, byte[] encapsulation, byte[] ciphertext) {
        this.suite = Objects.requireNonNull(suite, "suite");
        this.recipientKeyId = KeyId.requireNonNull(recipientKeyId);
        this.encapsulation = encapsulation.clone();
        this.ciphertext = ciphertext.clone();
    }

    public static WrappedKey parse(byte[] bytes) throws MalformedBlobException {
        BlobReader in = new BlobReader(bytes, "wrapped key");
        int version = in.u8();
        if (version != VERSION) {
            throw new MalformedBlobException("wrapped key: unknown version 0x" + Integer.toHexString(version));
        }
        Suite suite = Suite.fromCode(in.u8());
        KeyId keyId = KeyId.fromBytes(in.fixed(KeyId.LENGTH, "recipient key id"));
        byte[] encapsulation = in.lengthPrefixed("encapsulation", 1, MAX_ENCAPSULATION_LENGTH);
        byte[] ciphertext = in.lengthPrefixed("ciphertext", 1, MAX_CIPHERTEXT_LENGTH);
        in.expectEnd();
        return new WrappedKey(suite, keyId, encapsulation, ciphertext);
    }

    public byte[] toBytes() {
        return new BlobWriter().fixed(header(suite, recipientKeyId))
                .lengthPrefixed(encapsulation).lengthPrefixed(ciphertext).toByteArray();
    }

    /** The header bound as associated data: version, suite, recipient key id. */
    static byte[] header(Suite suite, KeyId recipientKeyId) {
        return new BlobWriter().u8(VERSION).u8(suite.code()).fixed(recipientKeyId.internalView()).toByteArray();
    }

    public Suite suite() {
        return suite;
    }

    public KeyId recipientKeyId() {
        return recipientKeyId;
    }

    public byte[] encapsulation() {
        return encapsulation.clone();
    }

    public byte[] ciphertext() {
        return ciphertext.clone();
    }

    byte[] encapsulationView() {
        return encapsulation;
    }

    byte[] ciphertextView() {
        return ciphertext;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof WrappedKey)) {
            return false;
        }
        WrappedKey that = (WrappedKey) other;
        return suite == that.suite && recipientKeyId.equals(that.recipientKeyId)
                && Arrays.equals(encapsulation, that.encapsulation) && Arrays.equals(ciphertext, that.ciphertext);
    }

    @Override
    public int hashCode() {
        return Objects.hash(suite, recipientKeyId, Arrays.hashCode(ciphertext));
    }

    @Override
    public String toString() {
        return "WrappedKey[" + suite + " to " + recipientKeyId + ", " + ciphertext.length + " ciphertext bytes]";
    }
}
