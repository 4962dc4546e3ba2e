package io.vmigrate.trust;

import io.vmigrate.trust.internal.Hex;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Identifier of a key: the first 16 bytes of the suite's digest of the public key's
 * SubjectPublicKeyInfo DER (or, for symmetric keys, of a labelled key digest); 32 lowercase hex chars.
 */
public final class KeyId {
    public static final int LENGTH = 16;
    private static final Pattern FORMAT = Pattern.compile("[0-9a-f]{32}");

    private final byte[] bytes;

    private KeyId(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Parses the 32-character lowercase hex form. */
    public static KeyId of(String hex) {
        if (hex == null || !FORMAT.matcher(hex).matches()) {
            throw new IllegalArgumentException("key id must be 32 lowercase hex characters, got '" + hex + "'");
        }
        return new KeyId(Hex.decode(hex));
    }

    static KeyId fromBytes(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("key id must be " + LENGTH + " bytes, got " + bytes.length);
        }
        return new KeyId(bytes.clone());
    }

    /** Key id of a digest output: its first 16 bytes. */
    static KeyId fromDigest(byte[] digest) {
        return new KeyId(Arrays.copyOf(digest, LENGTH));
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    byte[] internalView() {
        return bytes;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KeyId && Arrays.equals(bytes, ((KeyId) other).bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return Hex.encode(bytes);
    }

    static KeyId requireNonNull(KeyId id) {
        return Objects.requireNonNull(id, "keyId");
    }
}
