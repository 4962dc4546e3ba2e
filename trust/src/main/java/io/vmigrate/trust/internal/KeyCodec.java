package io.vmigrate.trust.internal;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.gm.GMObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * Generates, validates and converts asymmetric keys. SubjectPublicKeyInfo is always produced in one
 * canonical form (named curve, uncompressed point for SM2) so key ids are stable; SM2 keys are
 * parsed through the BC provider because the JDK cannot.
 */
public final class KeyCodec {
    private static final AlgorithmIdentifier SM2_ALGORITHM =
            new AlgorithmIdentifier(KeyAlgorithm.SM2.oid(), GMObjectIdentifiers.sm2p256v1);

    /** A validated private key: its JCA form, its PKCS#8 and its public key's canonical SPKI. */
    public record ParsedPrivateKey(PrivateKey jcaKey, byte[] pkcs8, byte[] publicSpki) {
    }

    private KeyCodec() {
    }

    public static byte[] generatePkcs8(KeyAlgorithm algorithm) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm.jcaName(), BouncyCastle.provider());
            if (algorithm == KeyAlgorithm.SM2) {
                generator.initialize(new ECGenParameterSpec("sm2p256v1"));
            }
            return generator.generateKeyPair().getPrivate().getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate " + algorithm + " key", e);
        }
    }

    /** Parses and validates PKCS#8; refuses keys of another algorithm or curve. */
    public static ParsedPrivateKey parsePkcs8(KeyAlgorithm algorithm, byte[] pkcs8) {
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(ASN1Primitive.fromByteArray(pkcs8));
            requireAlgorithm(algorithm, info.getPrivateKeyAlgorithm());
            AsymmetricKeyParameter privateParams = PrivateKeyFactory.createKey(info);
            byte[] spki = publicSpkiOf(algorithm, privateParams);
            PrivateKey jcaKey = KeyFactory.getInstance(algorithm.jcaName(), BouncyCastle.provider())
                    .generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            return new ParsedPrivateKey(jcaKey, pkcs8.clone(), spki);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not a valid " + algorithm + " PKCS#8 private key"
                    + (e instanceof IllegalArgumentException ? ": " + e.getMessage() : ""), e);
        }
    }

    /** Parses and validates a SubjectPublicKeyInfo, which must be in canonical form. */
    public static PublicKey parseSpki(KeyAlgorithm algorithm, byte[] spki) {
        try {
            SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(ASN1Primitive.fromByteArray(spki));
            requireAlgorithm(algorithm, info.getAlgorithm());
            AsymmetricKeyParameter publicParams = PublicKeyFactory.createKey(info);
            if (!Arrays.equals(canonicalSpki(algorithm, publicParams), spki)) {
                throw new IllegalArgumentException("public key is not in canonical encoding");
            }
            return KeyFactory.getInstance(algorithm.jcaName(), BouncyCastle.provider())
                    .generatePublic(new X509EncodedKeySpec(spki));
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not a valid " + algorithm + " public key"
                    + (e instanceof IllegalArgumentException ? ": " + e.getMessage() : ""), e);
        }
    }

    private static void requireAlgorithm(KeyAlgorithm algorithm, AlgorithmIdentifier found) {
        boolean matches = algorithm == KeyAlgorithm.SM2
                ? SM2_ALGORITHM.equals(found)
                : algorithm.oid().equals(found.getAlgorithm()) && found.getParameters() == null;
        if (!matches) {
            throw new IllegalArgumentException("expected " + algorithm + " key but found algorithm "
                    + found.getAlgorithm() + (found.getParameters() == null ? "" : " with parameters " + found.getParameters()));
        }
    }

    private static byte[] publicSpkiOf(KeyAlgorithm algorithm, AsymmetricKeyParameter privateParams) throws IOException {
        switch (algorithm) {
            case SM2: {
                ECPrivateKeyParameters ec = (ECPrivateKeyParameters) privateParams;
                BigInteger d = ec.getD();
                // SM2 (GB/T 32918) requires d in [1, n-2].
                if (d.signum() <= 0 || d.compareTo(ec.getParameters().getN().subtract(BigInteger.ONE)) >= 0) {
                    throw new IllegalArgumentException("SM2 private scalar out of range");
                }
                ECPoint q = new FixedPointCombMultiplier().multiply(ec.getParameters().getG(), d);
                return canonicalSpki(algorithm, new ECPublicKeyParameters(q.normalize(), ec.getParameters()));
            }
            case ED25519:
                return canonicalSpki(algorithm, ((Ed25519PrivateKeyParameters) privateParams).generatePublicKey());
            case X25519:
                return canonicalSpki(algorithm, ((X25519PrivateKeyParameters) privateParams).generatePublicKey());
            default:
                throw new IllegalStateException("unhandled " + algorithm);
        }
    }

    private static byte[] canonicalSpki(KeyAlgorithm algorithm, AsymmetricKeyParameter publicParams) throws IOException {
        if (algorithm == KeyAlgorithm.SM2) {
            ECPoint q = ((ECPublicKeyParameters) publicParams).getQ();
            return new SubjectPublicKeyInfo(SM2_ALGORITHM, q.getEncoded(false)).getEncoded(ASN1Encoding.DER);
        }
        return SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(publicParams).getEncoded(ASN1Encoding.DER);
    }
}
