package io.vmigrate.trust;

/** A signature was refused: wrong suite, key id mismatch, malformed or invalid signature. */
public final class SignatureRefusedException extends TrustException {
    private static final long serialVersionUID = 1L;

    public SignatureRefusedException(String message) {
        super(message);
    }

    public SignatureRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
