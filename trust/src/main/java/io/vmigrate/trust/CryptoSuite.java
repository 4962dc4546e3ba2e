package io.vmigrate.trust;

/**
 * Entry point to one suite's primitives. Every method taking a key checks the key's suite and
 * purpose and refuses a mismatch with {@link IllegalArgumentException}.
 */
public interface CryptoSuite {
    Suite suite();

    PrivateKeyHandle generateSigningKey();

    PrivateKeyHandle generateEncapsulationKey();

    Signer signer(PrivateKeyHandle signingKey);

    Verifier verifier(PublicKeyHandle signingKey);

    KeyWrapper keyWrapper(PublicKeyHandle recipientEncapsulationKey);

    KeyUnwrapper keyUnwrapper(PrivateKeyHandle encapsulationKey);

    /** AEAD under {@code key}: 16 bytes (SM4) for GM, 32 bytes (AES-256) for INTL. */
    Aead aead(SecretBytes key);

    SecretBytes generateAeadKey();

    Digest digest();
}
