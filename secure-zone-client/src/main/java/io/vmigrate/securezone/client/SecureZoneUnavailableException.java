package io.vmigrate.securezone.client;

import java.io.IOException;

/** The secure zone could not be reached or the connection broke; the next call reconnects. */
public final class SecureZoneUnavailableException extends IOException {

    private static final long serialVersionUID = 1L;

    public SecureZoneUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
