package io.vmigrate.embedded.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.cli.datadir.TlsTrust;
import io.vmigrate.trust.tls.BusCertificateAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerTlsTest {

    @TempDir
    Path dataDir;

    @Test
    void theCaIsMadeOnceAndKeptWhileEachStartIssuesEveryNodeAFreshCertificate() throws Exception {
        BrokerTls first = BrokerTls.prepare(dataDir, 2, List.of("broker.example"));
        X509Certificate ca = trustedCa(first.trust());
        X509Certificate node1 = serverCertificate(first.brokerSettings(1));

        BrokerTls second = BrokerTls.prepare(dataDir, 2, List.of());

        assertThat(trustedCa(second.trust())).as("clients keep trusting the same CA").isEqualTo(ca);
        X509Certificate reissued = serverCertificate(second.brokerSettings(1));
        assertThat(reissued.getSerialNumber()).isNotEqualTo(node1.getSerialNumber());
        reissued.verify(ca.getPublicKey());
        assertThat(node1.getSubjectAlternativeNames()).extracting(name -> (Object) name.get(1))
                .containsExactly("localhost", "127.0.0.1", "broker.example");
        assertThat(second.trust().truststorePassword()).isEqualTo(first.trust().truststorePassword());
    }

    @Test
    void nodesGetTheirOwnKeystoreAndEveryListenerRunsSaslSsl() throws Exception {
        BrokerTls tls = BrokerTls.prepare(dataDir, 1, List.of());
        Map<String, String> config = KafkaNodeConfig.forNode(0, 1, dataDir.resolve("node-0/logs"),
                KafkaNodeConfig.Ports.reserve(1), io.vmigrate.cli.datadir.ScramLogin.generate("admin"),
                java.util.Optional.of(tls), Map.of());

        assertThat(config.get("listener.security.protocol.map")).isEqualTo("CLIENT:SASL_SSL,CONTROLLER:SASL_SSL");
        assertThat(config).containsEntry("ssl.keystore.type", "PKCS12")
                .containsEntry("ssl.truststore.location", tls.trust().truststore().toString())
                .containsEntry("ssl.endpoint.identification.algorithm", "https");
        for (String file : List.of("ca.p12", "truststore.p12", "node-0.keystore.p12", "passwords.properties")) {
            assertThat(Files.getPosixFilePermissions(dataDir.resolve("tls").resolve(file))).as(file)
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
        Map<String, String> plain = KafkaNodeConfig.forNode(0, 1, dataDir.resolve("node-0/logs"),
                KafkaNodeConfig.Ports.reserve(1), io.vmigrate.cli.datadir.ScramLogin.generate("admin"),
                java.util.Optional.empty(), Map.of());
        assertThat(plain.get("listener.security.protocol.map")).isEqualTo("CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
        assertThat(plain.keySet()).noneMatch(key -> key.startsWith("ssl."));
    }

    private static X509Certificate trustedCa(TlsTrust trust) throws Exception {
        KeyStore store = BusCertificateAuthority.read(trust.truststore(), trust.truststorePassword().toCharArray());
        return (X509Certificate) store.getCertificate(store.aliases().nextElement());
    }

    private static X509Certificate serverCertificate(Map<String, String> settings) throws Exception {
        KeyStore store = BusCertificateAuthority.read(Path.of(settings.get("ssl.keystore.location")),
                settings.get("ssl.keystore.password").toCharArray());
        return (X509Certificate) store.getCertificate(store.aliases().nextElement());
    }
}
