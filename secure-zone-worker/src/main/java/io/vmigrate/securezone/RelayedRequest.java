package io.vmigrate.securezone;

import io.vmigrate.schema.securezone.SecureZoneOperationType;

/**
 * One request as the agent relayed it on a connection: the connection's challenge, the request's
 * sequence number and operation, the operation's bytes, and the agent's signature over them.
 */
record RelayedRequest(byte[] challenge, long sequence, SecureZoneOperationType type, byte[] operation, byte[] signature) {

    boolean signed() {
        return signature.length > 0;
    }
}
