package io.vmigrate.trust.tls;

import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.trust.internal.BouncyCastle;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificate authority of one vmigrate bus: an ECDSA P-256 key and its self-signed CA certificate, which
 * issues the brokers' server certificates. Clients trust this CA alone (its truststore), so a broker is
 * accepted only with a certificate it issued for the address the client dialled.
 *
 * <p>Every file holding a private key (the CA itself, each broker keystore) is a password-protected PKCS#12
 * file written owner-only; the truststore holds the CA certificate only, and the PEM copy (for librdkafka's
 * {@code ssl.ca.location}) is public.
 */
public final class BusCertificateAuthority {

    /** The type of every store this class writes, for Kafka's {@code ssl.keystore.type}/{@code ssl.truststore.type}. */
    public static final String STORE_TYPE = "PKCS12";

    private static final String CA_ALIAS = "vmigrate-bus-ca";
    private static final String SERVER_ALIAS = "server";
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9 ._:-]{1,64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final Clock clock;

    private BusCertificateAuthority(PrivateKey key, X509Certificate certificate, Clock clock) {
        this.key = key;
        this.certificate = certificate;
        this.clock = clock;
    }

    /** A new CA named {@code CN=<name>}, valid from now (less a few minutes of clock skew) for {@code validity}. */
    public static BusCertificateAuthority create(String name, Duration validity, Clock clock) throws TlsMaterialException {
        requireName(name);
        requirePositive(validity);
        try {
            KeyPair pair = newKeyPair();
            X500Name subject = new X500Name("CN=" + name + ",O=vmigrate");
            Instant now = clock.instant();
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(validity)), subject, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate certificate = sign(builder, pair.getPrivate());
            return new BusCertificateAuthority(pair.getPrivate(), certificate, clock);
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new TlsMaterialException("cannot create the bus certificate authority " + name, e);
        }
    }

    /** The CA {@link #save saved} in {@code file}; {@link WrongKeystorePasswordException} if the password does not open it. */
    public static BusCertificateAuthority load(Path file, char[] password, Clock clock) throws TlsMaterialException {
        KeyStore store = read(file, password);
        try {
            PrivateKey key = (PrivateKey) store.getKey(CA_ALIAS, password);
            Certificate certificate = store.getCertificate(CA_ALIAS);
            if (key == null || !(certificate instanceof X509Certificate x509)) {
                throw new TlsMaterialException(file + " holds no bus certificate authority", null);
            }
            return new BusCertificateAuthority(key, x509, clock);
        } catch (UnrecoverableKeyException e) {
            throw new WrongKeystorePasswordException("the password does not open " + file, e);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException("cannot read the bus certificate authority in " + file, e);
        }
    }

    /** Reads a PKCS#12 store this class wrote (e.g. to inspect a keystore); refuses a wrong password. */
    public static KeyStore read(Path file, char[] password) throws TlsMaterialException {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(STORE_TYPE);
            store.load(in, password);
            return store;
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new WrongKeystorePasswordException("the password does not open " + file, e);
            }
            throw new TlsMaterialException("cannot read " + file, e);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException("cannot read " + file, e);
        }
    }

    /** The CA certificate every client trusts. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** Writes the CA's key and certificate to a PKCS#12 file protected by {@code password}, owner-only. */
    public void save(Path file, char[] password) throws TlsMaterialException {
        requirePassword(password);
        try {
            KeyStore store = emptyStore();
            store.setKeyEntry(CA_ALIAS, key, password, new Certificate[] {certificate});
            write(store, file, password);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException("cannot write the bus certificate authority to " + file, e);
        }
    }

    /** Writes a PKCS#12 truststore holding only the CA certificate, protected by {@code password}. */
    public void writeTruststore(Path file, char[] password) throws TlsMaterialException {
        requirePassword(password);
        try {
            KeyStore store = emptyStore();
            store.setCertificateEntry(CA_ALIAS, certificate);
            write(store, file, password);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException("cannot write the truststore " + file, e);
        }
    }

    /** Writes the CA certificate as PEM (public), for clients that take a CA file, such as librdkafka. */
    public void writeCertificatePem(Path file) throws TlsMaterialException {
        try {
            String pem = "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
            AtomicFiles.write(file, pem.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsMaterialException("cannot write the CA certificate to " + file, e);
        }
    }

    /**
     * Issues a TLS server certificate for a broker, {@code CN=<commonName>}, with every one of {@code hostNames}
     * (DNS names and IP addresses) as a subject alternative name, valid for {@code validity} but never past the
     * CA's own end, and writes it with its new private key and the CA certificate as its chain to a PKCS#12
     * keystore protected by {@code password}, owner-only. The private key exists nowhere else.
     */
    public X509Certificate issueServerKeystore(String commonName, List<String> hostNames, Duration validity, Path file,
            char[] password) throws TlsMaterialException {
        requireName(commonName);
        requirePositive(validity);
        requirePassword(password);
        if (hostNames.isEmpty()) {
            throw new IllegalArgumentException("a server certificate names at least one host name or address");
        }
        try {
            KeyPair pair = newKeyPair();
            Instant now = clock.instant();
            Instant end = now.plus(validity);
            if (end.isAfter(certificate.getNotAfter().toInstant())) {
                end = certificate.getNotAfter().toInstant();
            }
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(now.minus(CLOCK_SKEW)), Date.from(end), new X500Name("CN=" + commonName + ",O=vmigrate"),
                    pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false, alternativeNames(hostNames))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(certificate))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate issued = sign(builder, key);
            KeyStore store = emptyStore();
            store.setKeyEntry(SERVER_ALIAS, pair.getPrivate(), password, new Certificate[] {issued, certificate});
            write(store, file, password);
            return issued;
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new TlsMaterialException("cannot issue the server certificate " + commonName, e);
        }
    }

    private static GeneralNames alternativeNames(List<String> hostNames) {
        List<GeneralName> names = new ArrayList<>();
        for (String name : hostNames) {
            Objects.requireNonNull(name, "host name");
            boolean address = IPV4.matcher(name).matches() || name.contains(":");
            names.add(new GeneralName(address ? GeneralName.iPAddress : GeneralName.dNSName, name));
        }
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        // The JDK's own EC keys: Kafka's JSSE reads them from the PKCS#12 file without BouncyCastle.
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().setProvider(BouncyCastle.provider())
                .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        try {
            KeyStore store = KeyStore.getInstance(STORE_TYPE);
            store.load(null, null);
            return store;
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot create an empty " + STORE_TYPE + " store", e);
        }
    }

    private static void write(KeyStore store, Path file, char[] password) throws TlsMaterialException {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            AtomicFiles.write(file, AtomicFiles.Permissions.OWNER_ONLY, out -> {
                try {
                    store.store(out, password);
                } catch (GeneralSecurityException e) {
                    throw new IOException(e);
                }
            });
        } catch (IOException e) {
            throw new TlsMaterialException("cannot write " + file, e);
        }
    }

    private static void requireName(String name) {
        if (name == null || !SAFE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a certificate name is 1..64 of [A-Za-z0-9 ._:-]: " + name);
        }
    }

    private static void requirePositive(Duration validity) {
        if (validity == null || validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity must be positive");
        }
    }

    private static void requirePassword(char[] password) {
        if (password == null || password.length == 0) {
            throw new IllegalArgumentException("a TLS store needs a password");
        }
    }
}
