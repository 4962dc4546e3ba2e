package io.vmigrate.trust;

/** A wrapped key was refused: wrong suite, recipient mismatch, tampering or wrong context. */
public final class UnwrapRefusedException extends TrustException {
    private static final long serialVersionUID = 1L;

    public UnwrapRefusedException(String message) {
        super(message);
    }

    public UnwrapRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
