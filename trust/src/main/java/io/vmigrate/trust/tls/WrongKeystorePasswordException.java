package io.vmigrate.trust.tls;

/** The PKCS#12 file exists but the password does not open it (or the file was altered: its MAC fails). */
public final class WrongKeystorePasswordException extends TlsMaterialException {
    private static final long serialVersionUID = 1L;

    public WrongKeystorePasswordException(String message, Throwable cause) {
        super(message, cause);
    }
}
