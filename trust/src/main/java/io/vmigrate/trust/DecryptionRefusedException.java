package io.vmigrate.trust;

/** An AEAD ciphertext was refused: wrong suite, key id mismatch, tampering or wrong associated data. */
public final class DecryptionRefusedException extends TrustException {
    private static final long serialVersionUID = 1L;

    public DecryptionRefusedException(String message) {
        super(message);
    }

    public DecryptionRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
