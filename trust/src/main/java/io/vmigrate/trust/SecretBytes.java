package io.vmigrate.trust;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/** Secret bytes held as a private copy; readable only with a {@link SecretKeyAccess}, zeroizable. */
public final class SecretBytes {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] bytes;
    private volatile boolean destroyed;

    private SecretBytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Copies {@code secret}; the caller should wipe its own array afterwards. */
    public static SecretBytes copyOf(byte[] secret) {
        return new SecretBytes(Objects.requireNonNull(secret, "secret").clone());
    }

    public static SecretBytes random(int size) {
        byte[] bytes = new byte[size];
        RANDOM.nextBytes(bytes);
        return new SecretBytes(bytes);
    }

    /** Returns a copy of the secret; the caller owns (and should wipe) it. */
    public byte[] toByteArray(SecretKeyAccess access) {
        Objects.requireNonNull(access, "reading secret bytes requires a SecretKeyAccess");
        return internalView().clone();
    }

    public int size() {
        return bytes.length;
    }

    /** Overwrites the secret with zeros; later reads fail. */
    public void destroy() {
        destroyed = true;
        Arrays.fill(bytes, (byte) 0);
    }

    public boolean isDestroyed() {
        return destroyed;
    }

    /** The backing array without a copy, for this package's own short-lived use. */
    byte[] internalView() {
        if (destroyed) {
            throw new IllegalStateException("secret bytes have been destroyed");
        }
        return bytes;
    }

    @Override
    public String toString() {
        return "SecretBytes[" + bytes.length + " bytes" + (destroyed ? ", destroyed" : "") + "]";
    }
}
