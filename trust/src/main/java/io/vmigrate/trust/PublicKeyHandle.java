package io.vmigrate.trust;

import io.vmigrate.trust.internal.JcaAlgorithms;
import io.vmigrate.trust.internal.KeyAlgorithm;
import io.vmigrate.trust.internal.KeyCodec;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Objects;

/** A validated public key of one suite and purpose, carried as canonical SubjectPublicKeyInfo DER. */
public final class PublicKeyHandle {
    private final Suite suite;
    private final KeyPurpose purpose;
    private final byte[] spki;
    private final KeyId keyId;
    private final PublicKey jcaKey;

    private PublicKeyHandle(Suite suite, KeyPurpose purpose, byte[] spki, PublicKey jcaKey) {
        this.suite = suite;
        this.purpose = purpose;
        this.spki = spki;
        this.jcaKey = jcaKey;
        this.keyId = KeyId.fromDigest(JcaAlgorithms.newDigest(suite).digest(spki));
    }

    /**
     * Decodes and validates SubjectPublicKeyInfo DER; refuses keys of another algorithm or curve and
     * non-canonical encodings, with {@link IllegalArgumentException}.
     */
    public static PublicKeyHandle decode(Suite suite, KeyPurpose purpose, byte[] spkiDer) {
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(spkiDer, "spkiDer");
        byte[] copy = spkiDer.clone();
        PublicKey jcaKey = KeyCodec.parseSpki(KeyAlgorithm.of(suite, purpose), copy);
        return new PublicKeyHandle(suite, purpose, copy, jcaKey);
    }

    public Suite suite() {
        return suite;
    }

    public KeyPurpose purpose() {
        return purpose;
    }

    public KeyId keyId() {
        return keyId;
    }

    /** SubjectPublicKeyInfo DER (a copy). */
    public byte[] encoded() {
        return spki.clone();
    }

    PublicKey jcaKey() {
        return jcaKey;
    }

    byte[] spkiView() {
        return spki;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof PublicKeyHandle)) {
            return false;
        }
        PublicKeyHandle that = (PublicKeyHandle) other;
        return suite == that.suite && purpose == that.purpose && Arrays.equals(spki, that.spki);
    }

    @Override
    public int hashCode() {
        return Objects.hash(suite, purpose, keyId);
    }

    @Override
    public String toString() {
        return "PublicKeyHandle[" + suite + " " + purpose + " " + keyId + "]";
    }
}
