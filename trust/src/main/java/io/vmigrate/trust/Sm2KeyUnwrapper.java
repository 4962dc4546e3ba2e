package io.vmigrate.trust;

import io.vmigrate.trust.internal.JcaAlgorithms;
import io.vmigrate.trust.internal.Sm2Decryptor;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;

/** Opens what {@link Sm2KeyWrapper} made for this key. */
final class Sm2KeyUnwrapper implements KeyUnwrapper {
    private final PrivateKeyHandle key;
    private final Sm2Decryptor decryptor;
    private final GcmCipher gcm = new GcmCipher(Suite.GM);

    Sm2KeyUnwrapper(PrivateKeyHandle key) {
        this.key = key;
        this.decryptor = new Sm2Decryptor(key.pkcs8View());
    }

    @Override
    public KeyId keyId() {
        return key.keyId();
    }

    @Override
    public SecretBytes unwrap(WrappedKey wrapped, Context context) throws UnwrapRefusedException {
        Objects.requireNonNull(wrapped, "wrapped");
        Objects.requireNonNull(context, "context");
        WrapChecks.requireAddressedTo(wrapped, Suite.GM, keyId());
        byte[] dataKey;
        try {
            dataKey = decryptor.decrypt(wrapped.encapsulationView());
        } catch (GeneralSecurityException e) {
            throw new UnwrapRefusedException("encapsulated key does not decrypt with key " + keyId() + " (tampered)", e);
        }
        try {
            if (dataKey.length != Sm2KeyWrapper.DATA_KEY_LENGTH) {
                throw new UnwrapRefusedException("encapsulated data key has wrong length " + dataKey.length);
            }
            byte[] aad = GcmCipher.concat(WrappedKey.header(Suite.GM, keyId()), context.encode());
            byte[] plaintext = gcm.open(JcaAlgorithms.aeadKey(Suite.GM, dataKey), Sm2KeyWrapper.FIXED_NONCE, aad,
                    wrapped.ciphertextView());
            return WrapChecks.takeSecret(plaintext);
        } catch (AEADBadTagException e) {
            throw new UnwrapRefusedException(WrapChecks.NOT_AUTHENTIC, e);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }
}
