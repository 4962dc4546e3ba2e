package io.vmigrate.trust;

import io.vmigrate.trust.internal.HpkeX25519;
import java.security.GeneralSecurityException;
import java.util.Objects;

/** Opens what {@link HpkeKeyWrapper} made for this key. */
final class HpkeKeyUnwrapper implements KeyUnwrapper {
    private final PrivateKeyHandle key;
    private final HpkeX25519.Recipient recipient;

    HpkeKeyUnwrapper(PrivateKeyHandle key) {
        this.key = key;
        this.recipient = new HpkeX25519.Recipient(key.pkcs8View());
    }

    @Override
    public KeyId keyId() {
        return key.keyId();
    }

    @Override
    public SecretBytes unwrap(WrappedKey wrapped, Context context) throws UnwrapRefusedException {
        Objects.requireNonNull(wrapped, "wrapped");
        Objects.requireNonNull(context, "context");
        WrapChecks.requireAddressedTo(wrapped, Suite.INTL, keyId());
        if (wrapped.encapsulationView().length != HpkeX25519.ENCAPSULATION_SIZE) {
            throw new UnwrapRefusedException("encapsulation must be " + HpkeX25519.ENCAPSULATION_SIZE + " bytes, got "
                    + wrapped.encapsulationView().length);
        }
        byte[] aad = GcmCipher.concat(WrappedKey.header(Suite.INTL, keyId()), context.encode());
        try {
            return WrapChecks.takeSecret(recipient.open(wrapped.encapsulationView(), HpkeKeyWrapper.INFO, aad,
                    wrapped.ciphertextView()));
        } catch (GeneralSecurityException e) {
            throw new UnwrapRefusedException(WrapChecks.NOT_AUTHENTIC, e);
        }
    }
}
