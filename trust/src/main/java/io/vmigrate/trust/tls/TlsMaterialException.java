package io.vmigrate.trust.tls;

import io.vmigrate.trust.TrustException;

/** TLS material could not be made, written or read (I/O, damaged file, wrong password). Never names a key. */
public class TlsMaterialException extends TrustException {
    private static final long serialVersionUID = 1L;

    public TlsMaterialException(String message, Throwable cause) {
        super(message, cause);
    }
}
