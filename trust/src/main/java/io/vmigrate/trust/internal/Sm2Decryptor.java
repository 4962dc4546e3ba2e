package io.vmigrate.trust.internal;

import java.io.IOException;
import java.security.GeneralSecurityException;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.util.PrivateKeyFactory;

/** SM2 decryption in C1C3C2 mode with one private key. */
public final class Sm2Decryptor {
    private final AsymmetricKeyParameter privateKey;
    private final ThreadLocal<SM2Engine> engine = ThreadLocal.withInitial(() -> new SM2Engine(SM2Engine.Mode.C1C3C2));

    public Sm2Decryptor(byte[] pkcs8) {
        try {
            this.privateKey = PrivateKeyFactory.createKey(pkcs8);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an SM2 private key", e);
        }
    }

    /** Decrypts, refusing a ciphertext whose point or C3 hash does not check out. */
    public byte[] decrypt(byte[] ciphertext) throws GeneralSecurityException {
        SM2Engine sm2 = engine.get();
        sm2.init(false, privateKey);
        try {
            return sm2.processBlock(ciphertext, 0, ciphertext.length);
        } catch (InvalidCipherTextException | RuntimeException e) {
            // BC throws unchecked exceptions for some malformed points; both mean "refused".
            throw new GeneralSecurityException("SM2 decryption failed", e);
        }
    }
}
