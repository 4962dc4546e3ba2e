package io.vmigrate.trust;

import io.vmigrate.trust.internal.KeyAlgorithm;
import io.vmigrate.trust.internal.KeyCodec;
import io.vmigrate.trust.internal.KeyCodec.ParsedPrivateKey;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.Objects;
import javax.security.auth.DestroyFailedException;

/** A private key of one suite and purpose; its raw PKCS#8 leaves only through {@link #exportPkcs8}. */
public final class PrivateKeyHandle {
    private final Suite suite;
    private final KeyPurpose purpose;
    private final SecretBytes pkcs8;
    private final PrivateKey jcaKey;
    private final PublicKeyHandle publicKey;

    private PrivateKeyHandle(Suite suite, KeyPurpose purpose, ParsedPrivateKey parsed) {
        this.suite = suite;
        this.purpose = purpose;
        this.pkcs8 = SecretBytes.copyOf(parsed.pkcs8());
        Arrays.fill(parsed.pkcs8(), (byte) 0);
        this.jcaKey = parsed.jcaKey();
        this.publicKey = PublicKeyHandle.decode(suite, purpose, parsed.publicSpki());
    }

    /** Imports PKCS#8 DER, validating algorithm and curve against suite and purpose. */
    public static PrivateKeyHandle importPkcs8(Suite suite, KeyPurpose purpose, SecretBytes pkcs8, SecretKeyAccess access) {
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(access, "importing a private key requires a SecretKeyAccess");
        return new PrivateKeyHandle(suite, purpose, KeyCodec.parsePkcs8(KeyAlgorithm.of(suite, purpose), pkcs8.internalView()));
    }

    static PrivateKeyHandle generate(Suite suite, KeyPurpose purpose) {
        KeyAlgorithm algorithm = KeyAlgorithm.of(suite, purpose);
        byte[] pkcs8 = KeyCodec.generatePkcs8(algorithm);
        try {
            return new PrivateKeyHandle(suite, purpose, KeyCodec.parsePkcs8(algorithm, pkcs8));
        } finally {
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    public Suite suite() {
        return suite;
    }

    public KeyPurpose purpose() {
        return purpose;
    }

    public PublicKeyHandle publicKey() {
        return publicKey;
    }

    public KeyId keyId() {
        return publicKey.keyId();
    }

    /** The PKCS#8 DER as a fresh copy the caller owns (and should destroy). */
    public SecretBytes exportPkcs8(SecretKeyAccess access) {
        Objects.requireNonNull(access, "exporting a private key requires a SecretKeyAccess");
        return SecretBytes.copyOf(pkcs8.internalView());
    }

    /**
     * Zeroizes the PKCS#8 copy held here and makes the handle unusable. The provider's key object
     * may not support destruction; that is attempted and otherwise left to the garbage collector.
     */
    public void destroy() {
        pkcs8.destroy();
        try {
            jcaKey.destroy();
        } catch (DestroyFailedException e) {
            // Keys of providers without destroy(): the PKCS#8 copy is what we can wipe. BC's own (1.87) clears its
            // encoding after computing its hash code, a scalar multiplication: a cost we keep for the wipe.
        }
    }

    public boolean isDestroyed() {
        return pkcs8.isDestroyed();
    }

    PrivateKey jcaKey() {
        requireUsable();
        return jcaKey;
    }

    byte[] pkcs8View() {
        return pkcs8.internalView();
    }

    private void requireUsable() {
        if (isDestroyed()) {
            throw new IllegalStateException("private key " + keyId() + " has been destroyed");
        }
    }

    @Override
    public String toString() {
        return "PrivateKeyHandle[" + suite + " " + purpose + " " + keyId() + "]";
    }
}
