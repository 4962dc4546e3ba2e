package io.vmigrate.trust.internal;

import io.vmigrate.trust.Suite;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.jcajce.spec.SM2ParameterSpec;

/**
 * Factories for the JCA objects of each suite. GM algorithms come from BC by name; INTL's SHA-256
 * and AES-GCM come from the JDK's default providers (faster, hardware-accelerated).
 */
public final class JcaAlgorithms {
    /** The SM2 user id (distinguishing identifier) bound into every SM2 signature. */
    public static final byte[] SM2_USER_ID = "vmigrate".getBytes(StandardCharsets.US_ASCII);

    private JcaAlgorithms() {
    }

    /** A fresh, uninitialised signature object with its parameters set. */
    public static Signature newSignature(Suite suite) throws GeneralSecurityException {
        switch (suite) {
            case GM:
                Signature signature = Signature.getInstance("SM3withSM2", BouncyCastle.provider());
                signature.setParameter(new SM2ParameterSpec(SM2_USER_ID));
                return signature;
            case INTL:
                // BC's Ed25519: the JDK 17 one is 10-18x slower.
                return Signature.getInstance("Ed25519", BouncyCastle.provider());
            default:
                throw unsupported(suite);
        }
    }

    public static Cipher newAeadCipher(Suite suite) throws GeneralSecurityException {
        return switch (suite) {
            case GM -> Cipher.getInstance("SM4/GCM/NoPadding", BouncyCastle.provider());
            case INTL -> Cipher.getInstance("AES/GCM/NoPadding");
        };
    }

    public static SecretKey aeadKey(Suite suite, byte[] key) {
        return new SecretKeySpec(key, switch (suite) {
            case GM -> "SM4";
            case INTL -> "AES";
        });
    }

    public static int aeadKeySize(Suite suite) {
        return switch (suite) {
            case GM -> 16;
            case INTL -> 32;
        };
    }

    public static MessageDigest newDigest(Suite suite) {
        try {
            return switch (suite) {
                case GM -> MessageDigest.getInstance("SM3", BouncyCastle.provider());
                case INTL -> MessageDigest.getInstance("SHA-256");
            };
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("digest of suite " + suite + " unavailable", e);
        }
    }

    private static IllegalArgumentException unsupported(Suite suite) {
        return new IllegalArgumentException("no algorithms for suite " + suite);
    }
}
