package io.vmigrate.trust;

import io.vmigrate.trust.internal.JcaAlgorithms;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link CryptoSuite} of GM or INTL; the two differ only in the algorithms picked below. */
final class StandardCryptoSuite implements CryptoSuite {
    private static final Logger LOG = LoggerFactory.getLogger(StandardCryptoSuite.class);

    private final Suite suite;
    private final Digest digest;

    StandardCryptoSuite(Suite suite) {
        this.suite = suite;
        this.digest = new JcaDigest(suite);
    }

    @Override
    public Suite suite() {
        return suite;
    }

    @Override
    public PrivateKeyHandle generateSigningKey() {
        return generate(KeyPurpose.SIGNING);
    }

    @Override
    public PrivateKeyHandle generateEncapsulationKey() {
        return generate(KeyPurpose.KEY_ENCAPSULATION);
    }

    private PrivateKeyHandle generate(KeyPurpose purpose) {
        PrivateKeyHandle key = PrivateKeyHandle.generate(suite, purpose);
        LOG.debug("generated {} {} key {}", suite, purpose, key.keyId());
        return key;
    }

    @Override
    public Signer signer(PrivateKeyHandle signingKey) {
        requireKey("signer", signingKey.suite(), signingKey.purpose(), KeyPurpose.SIGNING, signingKey.keyId());
        return new JcaSigner(signingKey);
    }

    @Override
    public Verifier verifier(PublicKeyHandle signingKey) {
        requireKey("verifier", signingKey.suite(), signingKey.purpose(), KeyPurpose.SIGNING, signingKey.keyId());
        return new JcaVerifier(signingKey);
    }

    @Override
    public KeyWrapper keyWrapper(PublicKeyHandle recipient) {
        requireKey("key wrapper", recipient.suite(), recipient.purpose(), KeyPurpose.KEY_ENCAPSULATION, recipient.keyId());
        return switch (suite) {
            case GM -> new Sm2KeyWrapper(recipient);
            case INTL -> new HpkeKeyWrapper(recipient);
        };
    }

    @Override
    public KeyUnwrapper keyUnwrapper(PrivateKeyHandle key) {
        requireKey("key unwrapper", key.suite(), key.purpose(), KeyPurpose.KEY_ENCAPSULATION, key.keyId());
        return switch (suite) {
            case GM -> new Sm2KeyUnwrapper(key);
            case INTL -> new HpkeKeyUnwrapper(key);
        };
    }

    @Override
    public Aead aead(SecretBytes key) {
        Objects.requireNonNull(key, "key");
        int expected = JcaAlgorithms.aeadKeySize(suite);
        if (key.size() != expected) {
            throw new IllegalArgumentException(suite + " AEAD keys are " + expected + " bytes, got " + key.size());
        }
        return new GcmAead(suite, key);
    }

    @Override
    public SecretBytes generateAeadKey() {
        return SecretBytes.random(JcaAlgorithms.aeadKeySize(suite));
    }

    @Override
    public Digest digest() {
        return digest;
    }

    private void requireKey(String use, Suite keySuite, KeyPurpose keyPurpose, KeyPurpose wanted, KeyId keyId) {
        if (keySuite != suite || keyPurpose != wanted) {
            throw new IllegalArgumentException("a " + suite + " " + use + " needs a " + suite + " " + wanted
                    + " key, got a " + keySuite + " " + keyPurpose + " key (" + keyId + ")");
        }
    }

    @Override
    public String toString() {
        return "CryptoSuite[" + suite + "]";
    }
}
