package io.vmigrate.cli.datadir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientConfigFilesTest {

    @TempDir
    Path dataDir;

    @Test
    void aLoginIsCreatedOwnerOnlyOnceAndReadBackUnchanged() throws Exception {
        ScramLogin created = ClientConfigFiles.loadOrCreate(dataDir, "operator");

        for (Path file : List.of(ClientConfigFiles.javaFile(dataDir, "operator"), ClientConfigFiles.kcatFile(dataDir, "operator"))) {
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
        assertThat(ClientConfigFiles.loadOrCreate(dataDir, "operator")).isEqualTo(created);
        assertThat(ClientConfigFiles.loadOrCreate(dataDir, "auditor").password()).isNotEqualTo(created.password());
        assertThat(created.toString()).doesNotContain(created.password());
    }

    @Test
    void theJavaFileIsAKafkaClientConfigAndTheKcatFileIsPlainLibrdkafkaSettings() throws Exception {
        ScramLogin login = ClientConfigFiles.loadOrCreate(dataDir, "host-h1");
        ClientConfigFiles.write(dataDir, login, "127.0.0.1:9092");

        assertThat(ClientConfigFiles.read(dataDir, "host-h1")).hasValueSatisfying(props -> assertThat(props)
                .containsEntry("bootstrap.servers", "127.0.0.1:9092")
                .containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", login.jaasConfig()));
        assertThat(Files.readAllLines(ClientConfigFiles.kcatFile(dataDir, "host-h1"))).contains(
                "bootstrap.servers=127.0.0.1:9092", "security.protocol=SASL_PLAINTEXT", "sasl.mechanisms=SCRAM-SHA-512",
                "sasl.username=host-h1", "sasl.password=" + login.password());
        assertThat(ClientConfigFiles.loadOrCreate(dataDir, "host-h1")).isEqualTo(login);
    }

    @Test
    void onATlsBusBothFilesNameSaslSslAndTheBusCaButNeverTheTruststorePasswordInKcat() throws Exception {
        ScramLogin login = ClientConfigFiles.loadOrCreate(dataDir, "host-h1");
        TlsTrust trust = new TlsTrust(dataDir.resolve("tls/truststore.p12"), "trust-pw", dataDir.resolve("tls/ca.pem"));
        ClientConfigFiles.write(dataDir, login, "127.0.0.1:9093", java.util.Optional.of(trust));

        assertThat(ClientConfigFiles.read(dataDir, "host-h1")).hasValueSatisfying(props -> assertThat(props)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("ssl.truststore.location", dataDir.resolve("tls/truststore.p12").toAbsolutePath().toString())
                .containsEntry("ssl.truststore.password", "trust-pw")
                .containsEntry("ssl.truststore.type", "PKCS12")
                .containsEntry("sasl.jaas.config", login.jaasConfig()));
        List<String> kcat = Files.readAllLines(ClientConfigFiles.kcatFile(dataDir, "host-h1"));
        assertThat(kcat).contains("security.protocol=SASL_SSL",
                "ssl.ca.location=" + dataDir.resolve("tls/ca.pem").toAbsolutePath(), "sasl.username=host-h1")
                .doesNotContain("security.protocol=SASL_PLAINTEXT");
        assertThat(String.join("\n", kcat)).doesNotContain("trust-pw");
        assertThat(trust.toString()).doesNotContain("trust-pw");
        for (Path file : List.of(ClientConfigFiles.javaFile(dataDir, "host-h1"), ClientConfigFiles.kcatFile(dataDir, "host-h1"))) {
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void namesAndPasswordsThatCouldBreakOutOfTheJaasQuotesAreRefused() {
        assertThatThrownBy(() -> new ScramLogin("admin\" password=\"x", "p")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ScramLogin("admin", "a,password=b]")).isInstanceOf(IllegalArgumentException.class);
    }
}
