package io.vmigrate.trust;

import java.util.Arrays;

/** Checks and helpers shared by the unwrappers of both suites. */
final class WrapChecks {
    static final String NOT_AUTHENTIC = "wrapped key does not authenticate (tampered, or made for another context)";

    private WrapChecks() {
    }

    static void requireAddressedTo(WrappedKey wrapped, Suite suite, KeyId keyId) throws UnwrapRefusedException {
        if (wrapped.suite() != suite) {
            throw new UnwrapRefusedException("wrong suite: wrapped key is " + wrapped.suite() + ", unwrapper expects " + suite);
        }
        if (!wrapped.recipientKeyId().equals(keyId)) {
            throw new UnwrapRefusedException("key id mismatch: wrapped to " + wrapped.recipientKeyId() + ", this key is " + keyId);
        }
    }

    /** Moves a plaintext into SecretBytes and wipes the array. */
    static SecretBytes takeSecret(byte[] plaintext) {
        try {
            return SecretBytes.copyOf(plaintext);
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }
}
