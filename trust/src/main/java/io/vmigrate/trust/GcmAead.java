package io.vmigrate.trust;

import io.vmigrate.trust.internal.JcaAlgorithms;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.SecretKey;

/** {@link Aead} over the suite's GCM cipher with random 96-bit nonces. */
final class GcmAead implements Aead {
    private static final byte[] KEY_ID_LABEL = "vmigrate-aead-key-id".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Suite suite;
    private final SecretKey key;
    private final KeyId keyId;
    private final GcmCipher gcm;

    GcmAead(Suite suite, SecretBytes keyBytes) {
        this.suite = suite;
        this.key = JcaAlgorithms.aeadKey(suite, keyBytes.internalView());
        this.keyId = keyIdOf(suite, keyBytes);
        this.gcm = new GcmCipher(suite);
    }

    static KeyId keyIdOf(Suite suite, SecretBytes keyBytes) {
        MessageDigest digest = JcaAlgorithms.newDigest(suite);
        digest.update(KEY_ID_LABEL);
        digest.update(keyBytes.internalView());
        return KeyId.fromDigest(digest.digest());
    }

    @Override
    public KeyId keyId() {
        return keyId;
    }

    @Override
    public AeadCiphertext encrypt(byte[] plaintext, byte[] associatedData) {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(associatedData, "associatedData");
        byte[] nonce = new byte[AeadCiphertext.NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        byte[] ciphertext = gcm.seal(key, nonce, aad(associatedData), plaintext);
        return new AeadCiphertext(suite, keyId, nonce, ciphertext);
    }

    @Override
    public byte[] decrypt(AeadCiphertext ciphertext, byte[] associatedData) throws DecryptionRefusedException {
        Objects.requireNonNull(ciphertext, "ciphertext");
        Objects.requireNonNull(associatedData, "associatedData");
        if (ciphertext.suite() != suite) {
            throw new DecryptionRefusedException("wrong suite: ciphertext is " + ciphertext.suite() + ", key is " + suite);
        }
        if (!ciphertext.keyId().equals(keyId)) {
            throw new DecryptionRefusedException("key id mismatch: ciphertext under " + ciphertext.keyId() + ", this key is " + keyId);
        }
        try {
            return gcm.open(key, ciphertext.nonceView(), aad(associatedData), ciphertext.ciphertextView());
        } catch (AEADBadTagException e) {
            throw new DecryptionRefusedException("ciphertext does not authenticate under key " + keyId
                    + " (tampered, or wrong associated data)", e);
        }
    }

    /** Header (version, suite, key id; fixed length) ‖ caller's associated data. */
    private byte[] aad(byte[] associatedData) {
        return GcmCipher.concat(AeadCiphertext.header(suite, keyId), associatedData);
    }
}
