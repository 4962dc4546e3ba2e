package io.vmigrate.trust;

/** The sealed key store could not be read or written (I/O, damaged file, wrong password). */
public class SealedKeyStoreException extends TrustException {
    private static final long serialVersionUID = 1L;

    public SealedKeyStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
