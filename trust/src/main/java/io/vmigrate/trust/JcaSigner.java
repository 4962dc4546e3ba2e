package io.vmigrate.trust;

import io.vmigrate.trust.internal.JcaAlgorithms;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.Objects;

/**
 * Signer over a JCA Signature. Initialised Signature objects are kept per thread: creating and
 * initialising one (SM2 computes its Z value at init) costs several times the signing itself, and
 * JCA resets them to the initialised state after each sign().
 */
final class JcaSigner implements Signer {
    private final PrivateKeyHandle key;
    private final ThreadLocal<Signature> signatures;

    JcaSigner(PrivateKeyHandle key) {
        this.key = key;
        this.signatures = ThreadLocal.withInitial(this::newInitialisedSignature);
        signatures.get(); // fail fast on an unusable key
    }

    @Override
    public KeyId keyId() {
        return key.keyId();
    }

    @Override
    public Suite suite() {
        return key.suite();
    }

    @Override
    public SignatureBlob sign(byte[] message, Context context) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(context, "context");
        Signature signature = signatures.get();
        try {
            signature.update(SignedPayload.prefix(suite(), keyId(), context, message.length));
            signature.update(message);
            return new SignatureBlob(suite(), keyId(), signature.sign());
        } catch (GeneralSecurityException | RuntimeException e) {
            signatures.remove(); // its state is unknown now
            throw new IllegalStateException("signing with key " + keyId() + " failed", e);
        }
    }

    private Signature newInitialisedSignature() {
        try {
            Signature signature = JcaAlgorithms.newSignature(key.suite());
            signature.initSign(key.jcaKey());
            return signature;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot initialise signing with key " + key.keyId(), e);
        }
    }
}
