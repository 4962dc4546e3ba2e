package io.vmigrate.trust;

/** Serialized bytes that do not follow the expected layout (version, suite, lengths, trailing bytes). */
public final class MalformedBlobException extends TrustException {
    private static final long serialVersionUID = 1L;

    public MalformedBlobException(String message) {
        super(message);
    }

    public MalformedBlobException(String message, Throwable cause) {
        super(message, cause);
    }
}
