package io.vmigrate.trust.internal;

import java.io.IOException;
import java.security.SecureRandom;
import org.bouncycastle.crypto.CipherParameters;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/** SM2 public-key encryption in C1C3C2 mode (GB/T 32918.4) to one recipient. */
public final class Sm2Encryptor {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final CipherParameters recipient;
    // SM2Engine is not thread-safe; one per thread, reinitialised per call.
    private final ThreadLocal<SM2Engine> engine = ThreadLocal.withInitial(() -> new SM2Engine(SM2Engine.Mode.C1C3C2));

    public Sm2Encryptor(byte[] recipientSpki) {
        try {
            this.recipient = PublicKeyFactory.createKey(recipientSpki);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an SM2 public key", e);
        }
    }

    public byte[] encrypt(byte[] plaintext) {
        SM2Engine sm2 = engine.get();
        sm2.init(true, new ParametersWithRandom(recipient, RANDOM));
        try {
            return sm2.processBlock(plaintext, 0, plaintext.length);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("SM2 encryption failed", e);
        }
    }
}
