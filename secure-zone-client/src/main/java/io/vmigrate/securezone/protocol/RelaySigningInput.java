package io.vmigrate.securezone.protocol;

import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.trust.Context;
import io.vmigrate.trust.Digest;
import java.nio.ByteBuffer;

/**
 * What the agent signs into every request: {@code challenge ‖ sequence (8 bytes, big-endian) ‖
 * digest(operation bytes)} under {@link KeyContexts#secureZoneRelay}. The challenge ties the
 * signature to one connection, the sequence to one position in it, the digest to one operation.
 */
public final class RelaySigningInput {

    private RelaySigningInput() {}

    public static byte[] of(byte[] challenge, long sequence, byte[] operation, Digest digest) {
        byte[] operationDigest = digest.digest(operation);
        return ByteBuffer.allocate(challenge.length + Long.BYTES + operationDigest.length)
                .put(challenge).putLong(sequence).put(operationDigest).array();
    }

    public static Context context(String hostId) {
        return KeyContexts.secureZoneRelay(hostId);
    }
}
