package io.vmigrate.trust.internal;

import java.io.IOException;
import java.security.GeneralSecurityException;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.hpke.HPKEContextWithEncapsulation;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * HPKE (RFC 9180) base mode with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, using BC's
 * lightweight implementation; one message per HPKE context (single-shot seal/open).
 */
public final class HpkeX25519 {
    /** Encapsulated key and ciphertext of one sealed message. */
    public record Sealed(byte[] encapsulation, byte[] ciphertext) {
    }

    public static final int ENCAPSULATION_SIZE = 32;

    // The HPKE object is not documented as thread-safe; keep one per thread.
    private static final ThreadLocal<HPKE> HPKE_BASE = ThreadLocal.withInitial(() ->
            new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM256));

    private HpkeX25519() {
    }

    /** Seals to one recipient public key. */
    public static final class Sender {
        private final AsymmetricKeyParameter recipient;

        public Sender(byte[] recipientSpki) {
            try {
                this.recipient = PublicKeyFactory.createKey(recipientSpki);
            } catch (IOException e) {
                throw new IllegalArgumentException("not an X25519 public key", e);
            }
        }

        public Sealed seal(byte[] info, byte[] aad, byte[] plaintext) {
            HPKEContextWithEncapsulation context = HPKE_BASE.get().setupBaseS(recipient, info);
            try {
                return new Sealed(context.getEncapsulation(), context.seal(aad, plaintext));
            } catch (InvalidCipherTextException e) {
                throw new IllegalStateException("HPKE seal failed", e);
            }
        }
    }

    /** Opens with one recipient private key. */
    public static final class Recipient {
        private final AsymmetricCipherKeyPair keyPair;

        public Recipient(byte[] pkcs8) {
            try {
                X25519PrivateKeyParameters privateKey = (X25519PrivateKeyParameters) PrivateKeyFactory.createKey(pkcs8);
                this.keyPair = new AsymmetricCipherKeyPair(privateKey.generatePublicKey(), privateKey);
            } catch (IOException | ClassCastException e) {
                throw new IllegalArgumentException("not an X25519 private key", e);
            }
        }

        public byte[] open(byte[] encapsulation, byte[] info, byte[] aad, byte[] ciphertext) throws GeneralSecurityException {
            try {
                return HPKE_BASE.get().setupBaseR(encapsulation, keyPair, info).open(aad, ciphertext);
            } catch (InvalidCipherTextException | RuntimeException e) {
                // BC signals a bad encapsulation (e.g. a low-order point) with unchecked exceptions.
                throw new GeneralSecurityException("HPKE open failed", e);
            }
        }
    }
}
