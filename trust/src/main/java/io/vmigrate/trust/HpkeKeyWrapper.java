package io.vmigrate.trust;

import io.vmigrate.trust.internal.HpkeX25519;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** INTL wrapping: HPKE base mode seal with info "vmigrate-wrap-v1" and aad = header ‖ context. */
final class HpkeKeyWrapper implements KeyWrapper {
    static final byte[] INFO = "vmigrate-wrap-v1".getBytes(StandardCharsets.US_ASCII);

    private final PublicKeyHandle recipient;
    private final HpkeX25519.Sender sender;

    HpkeKeyWrapper(PublicKeyHandle recipient) {
        this.recipient = recipient;
        this.sender = new HpkeX25519.Sender(recipient.spkiView());
    }

    @Override
    public KeyId recipientKeyId() {
        return recipient.keyId();
    }

    @Override
    public WrappedKey wrap(SecretBytes secret, Context context) {
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(context, "context");
        byte[] aad = GcmCipher.concat(WrappedKey.header(Suite.INTL, recipientKeyId()), context.encode());
        HpkeX25519.Sealed sealed = sender.seal(INFO, aad, secret.internalView());
        return new WrappedKey(Suite.INTL, recipientKeyId(), sealed.encapsulation(), sealed.ciphertext());
    }
}
