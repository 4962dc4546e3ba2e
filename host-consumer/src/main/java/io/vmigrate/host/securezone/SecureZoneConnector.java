package io.vmigrate.host.securezone;

import java.io.IOException;

/** Opens a fresh session with the secure zone (a new connection, a new challenge). */
@FunctionalInterface
public interface SecureZoneConnector {
    SecureZonePort connect() throws IOException;
}
