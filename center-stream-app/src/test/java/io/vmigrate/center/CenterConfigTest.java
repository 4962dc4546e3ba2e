package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.trust.Suite;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class CenterConfigTest {

    @Test
    void defaultsAreLatencyFriendlyForOneNode() {
        var config = new CenterConfig(Map.of(CenterConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9092",
                CenterConfig.VAULT_PASSWORD, "secret"));
        assertThat(config.suite()).isEqualTo(Suite.GM);
        assertThat(config.getLong(CenterConfig.COMMIT_INTERVAL_MS)).isEqualTo(1L);
        assertThat(config.vaultPassword().value()).isEqualTo("secret");
    }

    @Test
    void refusesAnUnknownSuiteAndAMissingPassword() {
        assertThatThrownBy(() -> new CenterConfig(Map.of(CenterConfig.BOOTSTRAP_SERVERS, "b:1",
                CenterConfig.VAULT_PASSWORD, "x", CenterConfig.SUITE, "rsa")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(CenterConfig.SUITE);
        assertThatThrownBy(() -> new CenterConfig(Map.of(CenterConfig.BOOTSTRAP_SERVERS, "b:1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(CenterConfig.VAULT_PASSWORD);
    }

    @Test
    void neverPrintsThePassword() {
        var config = new CenterConfig(Map.of(CenterConfig.BOOTSTRAP_SERVERS, "b:1", CenterConfig.VAULT_PASSWORD, "hunter2"));
        assertThat(config.toString()).doesNotContain("hunter2");
        assertThat(config.values().toString()).doesNotContain("hunter2");
    }
}
