package io.vmigrate.trust;

/** Base of all checked refusals of the trust module. Messages never contain key material. */
public class TrustException extends Exception {
    private static final long serialVersionUID = 1L;

    public TrustException(String message) {
        super(message);
    }

    public TrustException(String message, Throwable cause) {
        super(message, cause);
    }
}
