package io.vmigrate.trust;

import io.vmigrate.trust.internal.JcaAlgorithms;
import io.vmigrate.trust.internal.Sm2Encryptor;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * GM hybrid KEM-DEM: a fresh 128-bit SM4 key, SM2-encrypted (C1C3C2) to the recipient, encrypts
 * the secret with SM4-GCM under AAD = header ‖ context.
 */
final class Sm2KeyWrapper implements KeyWrapper {
    /** Each data key encrypts exactly one message, so a fixed nonce is safe (as in HPKE's first message). */
    static final byte[] FIXED_NONCE = new byte[AeadCiphertext.NONCE_LENGTH];
    static final int DATA_KEY_LENGTH = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PublicKeyHandle recipient;
    private final Sm2Encryptor encryptor;
    private final GcmCipher gcm = new GcmCipher(Suite.GM);

    Sm2KeyWrapper(PublicKeyHandle recipient) {
        this.recipient = recipient;
        this.encryptor = new Sm2Encryptor(recipient.spkiView());
    }

    @Override
    public KeyId recipientKeyId() {
        return recipient.keyId();
    }

    @Override
    public WrappedKey wrap(SecretBytes secret, Context context) {
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(context, "context");
        byte[] dataKey = new byte[DATA_KEY_LENGTH];
        RANDOM.nextBytes(dataKey);
        try {
            byte[] encapsulation = encryptor.encrypt(dataKey);
            byte[] aad = GcmCipher.concat(WrappedKey.header(Suite.GM, recipientKeyId()), context.encode());
            byte[] ciphertext = gcm.seal(JcaAlgorithms.aeadKey(Suite.GM, dataKey), FIXED_NONCE, aad, secret.internalView());
            return new WrappedKey(Suite.GM, recipientKeyId(), encapsulation, ciphertext);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }
}
