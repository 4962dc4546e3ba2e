package io.vmigrate.trust;

/** Verifies signatures made by one {@link Signer}'s key. Thread-safe. */
public interface Verifier {
    KeyId keyId();

    Suite suite();

    /** Returns normally only if the signature is valid for this key, message and context. */
    void verify(SignatureBlob signature, byte[] message, Context context) throws SignatureRefusedException;
}
