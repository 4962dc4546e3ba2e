package io.vmigrate.trust.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BusCertificateAuthorityTest {

    private static final char[] PASSWORD = "store-password".toCharArray();
    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void aServerCertificateChainsToTheCaAndNamesTheBrokersHostsAndAddresses() throws Exception {
        BusCertificateAuthority ca = BusCertificateAuthority.create("test bus CA", Duration.ofDays(365), CLOCK);
        Path keystore = dir.resolve("node-0.p12");

        X509Certificate issued = ca.issueServerKeystore("node-0", List.of("localhost", "127.0.0.1", "broker.example"),
                Duration.ofDays(30), keystore, PASSWORD);

        KeyStore store = BusCertificateAuthority.read(keystore, PASSWORD);
        String alias = Collections.list(store.aliases()).get(0);
        assertThat(store.getKey(alias, PASSWORD)).isInstanceOf(PrivateKey.class);
        assertThat(store.getCertificateChain(alias)).containsExactly(issued, ca.certificate());
        assertThat(validate(issued, ca.certificate())).isTrue();
        assertThat(issued.getSubjectAlternativeNames()).extracting(name -> (Object) name.get(1))
                .containsExactly("localhost", "127.0.0.1", "broker.example");
        assertThat(issued.getSubjectAlternativeNames()).extracting(name -> (Object) name.get(0))
                .containsExactly(2, 7, 2); // dNSName, iPAddress, dNSName
        assertThat(issued.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1"); // serverAuth
        assertThat(issued.getBasicConstraints()).isEqualTo(-1);
        assertThat(ca.certificate().getBasicConstraints()).isEqualTo(0);
        assertThat(ca.certificate().getKeyUsage()[5]).as("keyCertSign").isTrue();
    }

    @Test
    void validityStartsNowAndNeverOutlastsTheCa() throws Exception {
        BusCertificateAuthority ca = BusCertificateAuthority.create("test bus CA", Duration.ofDays(10), CLOCK);

        X509Certificate issued = ca.issueServerKeystore("node-0", List.of("localhost"), Duration.ofDays(400),
                dir.resolve("k.p12"), PASSWORD);

        assertThat(ca.certificate().getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(10)));
        assertThat(issued.getNotAfter().toInstant()).isEqualTo(ca.certificate().getNotAfter().toInstant());
        assertThat(issued.getNotBefore().toInstant()).isBefore(NOW).isAfter(NOW.minus(Duration.ofHours(1)));
        issued.checkValidity(Date.from(NOW));
        assertThatThrownBy(() -> issued.checkValidity(Date.from(NOW.plus(Duration.ofDays(11)))))
                .isInstanceOf(java.security.cert.CertificateExpiredException.class);
    }

    @Test
    void anotherCasCertificateDoesNotChainAndTheTruststoreHoldsOnlyTheCa() throws Exception {
        BusCertificateAuthority ca = BusCertificateAuthority.create("bus CA", Duration.ofDays(30), CLOCK);
        BusCertificateAuthority other = BusCertificateAuthority.create("bus CA", Duration.ofDays(30), CLOCK);
        X509Certificate issued = other.issueServerKeystore("node-0", List.of("localhost"), Duration.ofDays(30),
                dir.resolve("k.p12"), PASSWORD);

        assertThat(validate(issued, ca.certificate())).isFalse();

        Path truststore = dir.resolve("truststore.p12");
        ca.writeTruststore(truststore, PASSWORD);
        KeyStore trust = BusCertificateAuthority.read(truststore, PASSWORD);
        assertThat(Collections.list(trust.aliases())).hasSize(1);
        String alias = trust.aliases().nextElement();
        assertThat(trust.isCertificateEntry(alias)).isTrue();
        assertThat(trust.getCertificate(alias)).isEqualTo(ca.certificate());
    }

    @Test
    void storesRefuseAWrongPasswordAndAreOwnerOnly() throws Exception {
        BusCertificateAuthority ca = BusCertificateAuthority.create("bus CA", Duration.ofDays(30), CLOCK);
        Path caFile = dir.resolve("ca.p12");
        Path keystore = dir.resolve("node.p12");
        Path truststore = dir.resolve("trust.p12");
        ca.save(caFile, PASSWORD);
        ca.issueServerKeystore("node-0", List.of("localhost"), Duration.ofDays(1), keystore, PASSWORD);
        ca.writeTruststore(truststore, PASSWORD);

        for (Path file : List.of(caFile, keystore, truststore)) {
            assertThat(Files.getPosixFilePermissions(file)).as(file.toString())
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThatThrownBy(() -> BusCertificateAuthority.read(file, "wrong".toCharArray()))
                    .isInstanceOf(WrongKeystorePasswordException.class);
        }
        assertThatThrownBy(() -> BusCertificateAuthority.load(caFile, "wrong".toCharArray(), CLOCK))
                .isInstanceOf(WrongKeystorePasswordException.class);
        assertThatThrownBy(() -> ca.save(dir.resolve("x.p12"), new char[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLoadedCaIssuesCertificatesThatChainToTheSavedOne() throws Exception {
        BusCertificateAuthority ca = BusCertificateAuthority.create("bus CA", Duration.ofDays(30), CLOCK);
        Path caFile = dir.resolve("ca.p12");
        ca.save(caFile, PASSWORD);

        BusCertificateAuthority loaded = BusCertificateAuthority.load(caFile, PASSWORD, CLOCK);
        X509Certificate issued = loaded.issueServerKeystore("node-1", List.of("127.0.0.1"), Duration.ofDays(1),
                dir.resolve("k.p12"), PASSWORD);

        assertThat(loaded.certificate()).isEqualTo(ca.certificate());
        assertThat(validate(issued, ca.certificate())).isTrue();
    }

    @Test
    void thePemCopyIsTheCaCertificate() throws Exception {
        BusCertificateAuthority ca = BusCertificateAuthority.create("bus CA", Duration.ofDays(30), CLOCK);
        Path pem = dir.resolve("ca.pem");
        ca.writeCertificatePem(pem);

        try (var in = Files.newInputStream(pem)) {
            assertThat(CertificateFactory.getInstance("X.509").generateCertificate(in)).isEqualTo(ca.certificate());
        }
        assertThat(Files.readString(pem)).doesNotContain("PRIVATE");
    }

    private static boolean validate(X509Certificate leaf, X509Certificate anchor) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(NOW));
        try {
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
            return true;
        } catch (CertPathValidatorException e) {
            return false;
        }
    }
}
