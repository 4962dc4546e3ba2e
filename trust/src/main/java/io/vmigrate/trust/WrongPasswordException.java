package io.vmigrate.trust;

/** The key store file exists but the password does not open it (or the file was altered). */
public final class WrongPasswordException extends SealedKeyStoreException {
    private static final long serialVersionUID = 1L;

    public WrongPasswordException(String message, Throwable cause) {
        super(message, cause);
    }
}
