package io.vmigrate.trust;

/**
 * Signs messages bound to a {@link Context}. What is signed is "vmigrate-sig-v1" ‖ suite ‖ key id ‖
 * context ‖ length-prefixed message, so a signature moved to another context, key or suite fails.
 * Thread-safe.
 */
public interface Signer {
    KeyId keyId();

    Suite suite();

    SignatureBlob sign(byte[] message, Context context);
}
