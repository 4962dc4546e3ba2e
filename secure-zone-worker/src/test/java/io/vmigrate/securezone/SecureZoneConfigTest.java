package io.vmigrate.securezone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class SecureZoneConfigTest {

    @Test
    void readsTypedValues() {
        var config = new SecureZoneConfig(Map.of(SecureZoneConfig.HOST_ID, "h2", SecureZoneConfig.SUITE, "INTL",
                SecureZoneConfig.SOCKET, "/run/sz.sock", SecureZoneConfig.STATE_DIR, "/var/sz",
                SecureZoneConfig.SEALING_PASSWORD, "pw"));
        assertThat(config.suite()).isEqualTo(Suite.INTL);
        assertThat(config.socketPath()).isEqualTo(Path.of("/run/sz.sock"));
        assertThat(config.toString()).doesNotContain("=pw");
    }

    @Test
    void requiresASealingPassword() {
        assertThatThrownBy(() -> new SecureZoneConfig(Map.of(SecureZoneConfig.HOST_ID, "h2",
                SecureZoneConfig.SOCKET, "/run/sz.sock", SecureZoneConfig.STATE_DIR, "/var/sz")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(SecureZoneConfig.SEALING_PASSWORD);
    }
}
