package io.vmigrate.trust;

import io.vmigrate.trust.internal.BlobWriter;
import java.nio.charset.StandardCharsets;

/** Builds what a signature actually covers; shared by signer and verifier so they cannot drift. */
final class SignedPayload {
    private static final byte[] LABEL = "vmigrate-sig-v1".getBytes(StandardCharsets.US_ASCII);

    private SignedPayload() {
    }

    /** Everything before the message: label ‖ suite ‖ key id ‖ context ‖ message length. */
    static byte[] prefix(Suite suite, KeyId keyId, Context context, int messageLength) {
        return new BlobWriter().fixed(LABEL).u8(suite.code()).fixed(keyId.internalView())
                .fixed(context.encode()).u32(messageLength).toByteArray();
    }

    /** The complete signed bytes (for tests and interoperability checks). */
    static byte[] of(Suite suite, KeyId keyId, Context context, byte[] message) {
        return new BlobWriter().fixed(prefix(suite, keyId, context, message.length)).fixed(message).toByteArray();
    }
}
