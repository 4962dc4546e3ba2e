package io.vmigrate.trust;

import io.vmigrate.trust.internal.JcaAlgorithms;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Objects;

/** Verifier over a JCA Signature, kept initialised per thread (see {@link JcaSigner}). */
final class JcaVerifier implements Verifier {
    private final PublicKeyHandle key;
    private final ThreadLocal<Signature> signatures;

    JcaVerifier(PublicKeyHandle key) {
        this.key = key;
        this.signatures = ThreadLocal.withInitial(this::newInitialisedSignature);
        signatures.get();
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
    public void verify(SignatureBlob blob, byte[] message, Context context) throws SignatureRefusedException {
        Objects.requireNonNull(blob, "signature");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(context, "context");
        if (blob.suite() != suite()) {
            throw new SignatureRefusedException("wrong suite: signature is " + blob.suite() + ", verifier expects " + suite());
        }
        if (!blob.signerKeyId().equals(keyId())) {
            throw new SignatureRefusedException("key id mismatch: signature by " + blob.signerKeyId() + ", verifier holds " + keyId());
        }
        boolean valid;
        Signature signature = signatures.get();
        try {
            signature.update(SignedPayload.prefix(suite(), keyId(), context, message.length));
            signature.update(message);
            valid = signature.verify(blob.signatureView());
        } catch (SignatureException | RuntimeException e) {
            signatures.remove(); // a failed verify may leave the object mid-message
            throw new SignatureRefusedException("malformed signature from key " + keyId(), e);
        }
        if (!valid) {
            throw new SignatureRefusedException("signature invalid for key " + keyId() + " (wrong message or context, or tampered)");
        }
    }

    private Signature newInitialisedSignature() {
        try {
            Signature signature = JcaAlgorithms.newSignature(key.suite());
            signature.initVerify(key.jcaKey());
            return signature;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot initialise verification with key " + key.keyId(), e);
        }
    }
}
