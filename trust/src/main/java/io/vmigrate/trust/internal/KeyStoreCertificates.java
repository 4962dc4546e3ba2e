package io.vmigrate.trust.internal;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates that BCFKS requires alongside each private key. They are containers for metadata
 * (suite, purpose, key id in the subject), never trusted or verified by anyone. SM2 and Ed25519 keys
 * self-sign; an X25519 key cannot sign, so its certificate is signed by a throwaway Ed25519 key
 * generated for that one certificate and then discarded.
 */
public final class KeyStoreCertificates {
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyStoreCertificates() {
    }

    public static X509Certificate certify(KeyAlgorithm algorithm, PrivateKey privateKey, PublicKey publicKey, String subject)
            throws GeneralSecurityException {
        try {
            X500Name name = new X500Name(subject);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, RANDOM),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(36500))), name, publicKey);
            return new JcaX509CertificateConverter().setProvider(BouncyCastle.provider())
                    .getCertificate(builder.build(signerFor(algorithm, privateKey)));
        } catch (OperatorCreationException | java.security.cert.CertificateException e) {
            throw new GeneralSecurityException("cannot build key store certificate", e);
        }
    }

    private static ContentSigner signerFor(KeyAlgorithm algorithm, PrivateKey privateKey)
            throws OperatorCreationException, GeneralSecurityException {
        switch (algorithm) {
            case SM2:
                return new JcaContentSignerBuilder("SM3withSM2").setProvider(BouncyCastle.provider()).build(privateKey);
            case ED25519:
                return new JcaContentSignerBuilder("Ed25519").setProvider(BouncyCastle.provider()).build(privateKey);
            case X25519: {
                KeyPair throwaway = KeyPairGenerator.getInstance("Ed25519", BouncyCastle.provider()).generateKeyPair();
                return new JcaContentSignerBuilder("Ed25519").setProvider(BouncyCastle.provider()).build(throwaway.getPrivate());
            }
            default:
                throw new IllegalStateException("unhandled " + algorithm);
        }
    }
}
