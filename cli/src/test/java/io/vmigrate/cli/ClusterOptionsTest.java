package io.vmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.cli.datadir.BrokerAddressFile;
import io.vmigrate.cli.datadir.ClientConfigFiles;
import io.vmigrate.cli.datadir.ScramLogin;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterOptionsTest {

    @TempDir
    Path dataDir;

    private ScramLogin operator;
    private ScramLogin auditor;
    private final ClusterOptions options = new ClusterOptions();

    @BeforeEach
    void anEmbeddedClusterRecordedItsAddressAndLogins() {
        BrokerAddressFile.write(dataDir, "127.0.0.1:9092");
        operator = ClientConfigFiles.loadOrCreate(dataDir, "operator");
        auditor = ClientConfigFiles.loadOrCreate(dataDir, "auditor");
        options.dataDir = dataDir;
    }

    @Test
    void commandsThatWriteLogInAsTheOperatorAndReadOnlyOnesAsTheAuditor() {
        assertThat(options.clientProperties()).containsEntry("bootstrap.servers", "127.0.0.1:9092")
                .containsEntry("sasl.jaas.config", operator.jaasConfig());
        assertThat(options.readOnlyClientProperties()).containsEntry("sasl.jaas.config", auditor.jaasConfig());
    }

    @Test
    void theSameClusterNamedByBootstrapStillGetsItsLogin() {
        options.bootstrap = "127.0.0.1:9092";
        assertThat(options.readOnlyClientProperties()).containsEntry("sasl.jaas.config", auditor.jaasConfig());
    }

    @Test
    void anotherClusterNeverReceivesTheDataDirectorysLogins() {
        options.bootstrap = "kafka.example.net:9093";
        assertThat(options.clientProperties()).containsEntry("bootstrap.servers", "kafka.example.net:9093")
                .doesNotContainKey("sasl.jaas.config");
    }

    @Test
    void aConfigFileIsTakenAsItIs() throws Exception {
        Path config = Files.writeString(dataDir.resolve("mine.properties"),
                "bootstrap.servers=127.0.0.1:9092\nsecurity.protocol=SASL_SSL\n");
        options.configFile = config;
        assertThat(options.clientProperties()).containsEntry("security.protocol", "SASL_SSL")
                .doesNotContainKey("sasl.jaas.config");
    }

    @Test
    void theAdminLoginIsTheDataDirectorysOnlyForItsOwnClusterOrTheFileGiven() throws Exception {
        ScramLogin admin = ClientConfigFiles.loadOrCreate(dataDir, "admin");
        assertThat(options.adminClientProperties(null)).hasValueSatisfying(props -> assertThat(props)
                .containsEntry("sasl.jaas.config", admin.jaasConfig())
                .containsEntry("bootstrap.servers", "127.0.0.1:9092"));

        options.bootstrap = "kafka.example.net:9093";
        assertThat(options.adminClientProperties(null)).isEmpty();

        Path adminConfig = Files.writeString(dataDir.resolve("admin-elsewhere.properties"), "security.protocol=SASL_SSL\n");
        assertThat(options.adminClientProperties(adminConfig)).hasValueSatisfying(props -> assertThat(props)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("bootstrap.servers", "kafka.example.net:9093")
                .doesNotContainKey("sasl.jaas.config"));
    }

    @Test
    void withoutAnAdminFileThereIsNoAdminLogin() throws Exception {
        Files.deleteIfExists(ClientConfigFiles.javaFile(dataDir, "admin"));
        assertThat(options.adminClientProperties(null)).isEmpty();
    }
}
