package io.vmigrate.trust.internal;

import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.Suite;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/** The asymmetric algorithm behind a (suite, purpose) pair. */
public enum KeyAlgorithm {
    SM2("EC", X9ObjectIdentifiers.id_ecPublicKey),
    ED25519("Ed25519", EdECObjectIdentifiers.id_Ed25519),
    X25519("X25519", EdECObjectIdentifiers.id_X25519);

    private final String jcaName;
    private final ASN1ObjectIdentifier oid;

    KeyAlgorithm(String jcaName, ASN1ObjectIdentifier oid) {
        this.jcaName = jcaName;
        this.oid = oid;
    }

    public static KeyAlgorithm of(Suite suite, KeyPurpose purpose) {
        return switch (suite) {
            case GM -> SM2;
            case INTL -> switch (purpose) {
                case SIGNING -> ED25519;
                case KEY_ENCAPSULATION -> X25519;
            };
        };
    }

    String jcaName() {
        return jcaName;
    }

    ASN1ObjectIdentifier oid() {
        return oid;
    }
}
