package io.vmigrate.securezone;

import java.io.IOException;

/** The zone's keys exist but its state file does not: it was deleted, and starting empty would forget what it must not. */
final class ZoneStateMissingException extends IOException {

    private static final long serialVersionUID = 1L;

    ZoneStateMissingException(String message) {
        super(message);
    }
}
