package io.vmigrate.trust;

import io.vmigrate.trust.internal.JcaAlgorithms;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/** A suite's GCM cipher (SM4-GCM or AES-256-GCM, 128-bit tag), one Cipher object per thread. */
final class GcmCipher {
    private static final int TAG_BITS = AeadCiphertext.TAG_LENGTH * 8;

    private final Suite suite;
    private final ThreadLocal<Cipher> ciphers;

    GcmCipher(Suite suite) {
        this.suite = suite;
        this.ciphers = ThreadLocal.withInitial(() -> {
            try {
                return JcaAlgorithms.newAeadCipher(suite);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("GCM cipher of suite " + suite + " unavailable", e);
            }
        });
    }

    byte[] seal(SecretKey key, byte[] nonce, byte[] aad, byte[] plaintext) {
        Cipher cipher = ciphers.get();
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad);
            return cipher.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(suite + " GCM encryption failed", e);
        }
    }

    /** Decrypts, throwing {@link AEADBadTagException} when the tag does not authenticate. */
    byte[] open(SecretKey key, byte[] nonce, byte[] aad, byte[] ciphertext) throws AEADBadTagException {
        Cipher cipher = ciphers.get();
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad);
            return cipher.doFinal(ciphertext);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(suite + " GCM decryption failed", e);
        }
    }

    static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = new byte[first.length + second.length];
        System.arraycopy(first, 0, joined, 0, first.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }
}
