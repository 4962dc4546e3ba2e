package io.vmigrate.trust;

/**
 * Authenticated encryption under one symmetric key with random 96-bit nonces (so at most about 2^32
 * messages per key). The ciphertext header (suite, key id) is authenticated with the caller's
 * associated data. Thread-safe.
 */
public interface Aead {
    /** First 16 bytes of digest("vmigrate-aead-key-id" ‖ key); does not reveal the key. */
    KeyId keyId();

    AeadCiphertext encrypt(byte[] plaintext, byte[] associatedData);

    byte[] decrypt(AeadCiphertext ciphertext, byte[] associatedData) throws DecryptionRefusedException;
}
