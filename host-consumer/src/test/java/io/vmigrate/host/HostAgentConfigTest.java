package io.vmigrate.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.host.hypervisor.FileHypervisor;
import io.vmigrate.host.hypervisor.HypervisorBackend;
import io.vmigrate.host.store.ProcessedCommandStore;
import io.vmigrate.securezone.SecureZoneConfig;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class HostAgentConfigTest {

    static Map<String, Object> valid() {
        var props = new HashMap<String, Object>();
        props.put(HostAgentConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9092");
        props.put(HostAgentConfig.HOST_ID, "h1");
        props.put(HostAgentConfig.SECURE_ZONE_SOCKET, "/tmp/h1.sock");
        props.put(HostAgentConfig.STATE_DIR, "/tmp/h1");
        props.put(HostAgentConfig.AGENT_KEYSTORE_PASSWORD, "pw");
        props.put(HostAgentConfig.HYPERVISOR_ROOT, "/tmp/hypervisor");
        props.put(HostAgentConfig.CENTER_PUBLIC_KEY_FILE, "/tmp/center-public-key");
        return props;
    }

    @Test
    void derivesItsTopicGroupAndStaticMembershipFromTheHostId() {
        var config = new HostAgentConfig(valid());
        assertThat(config.commandTopic()).isEqualTo("host.h1.commands");
        assertThat(config.groupId()).isEqualTo("vmigrate-host-h1");
        assertThat(config.groupInstanceId()).isEqualTo("host-agent-h1");
        assertThat(config.hypervisorRoot()).isEqualTo(Path.of("/tmp/hypervisor"));
        assertThat(config.retryBackoff()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void passesKafkaClientSettingsThrough() {
        var props = valid();
        props.put("kafka.security.protocol", "SSL");
        var settings = new HostAgentConfig(props).kafkaClientSettings();
        assertThat(settings).containsEntry("security.protocol", "SSL").containsEntry("bootstrap.servers", "127.0.0.1:9092");
    }

    @Test
    void refusesAHostIdThatCannotNameATopic() {
        var props = valid();
        props.put(HostAgentConfig.HOST_ID, "h.1");
        assertThatThrownBy(() -> new HostAgentConfig(props))
                .isInstanceOf(ConfigException.class).hasMessageContaining(HostAgentConfig.HOST_ID);
    }

    @Test
    void refusesAMaximumBackoffBelowTheFirst() {
        var props = valid();
        props.put(HostAgentConfig.RETRY_BACKOFF_MS, "500");
        props.put(HostAgentConfig.RETRY_BACKOFF_MAX_MS, "100");
        assertThatThrownBy(() -> new HostAgentConfig(props))
                .isInstanceOf(ConfigException.class).hasMessageContaining(HostAgentConfig.RETRY_BACKOFF_MAX_MS);
    }

    @Test
    void requiresTheCenterKeyAndTheHypervisorRoot() {
        var props = valid();
        props.remove(HostAgentConfig.CENTER_PUBLIC_KEY_FILE);
        assertThatThrownBy(() -> new HostAgentConfig(props))
                .isInstanceOf(ConfigException.class).hasMessageContaining(HostAgentConfig.CENTER_PUBLIC_KEY_FILE);
    }

    @Test
    void theHypervisorIsTheFileBackendUnlessConfiguredOtherwise() {
        var config = new HostAgentConfig(valid());
        assertThat(config.hypervisorBackend()).isEqualTo(HypervisorBackend.FILE);
        assertThat(config.hypervisorBackend().create(config.hypervisorSettings(), CryptoSuites.get(Suite.INTL).digest()))
                .isInstanceOfSatisfying(FileHypervisor.class,
                        file -> assertThat(file.hostDirectory()).isEqualTo(Path.of("/tmp/hypervisor").resolve("h1")));
    }

    @Test
    void anUnknownHypervisorBackendIsAConfigErrorNamingTheAllowedOnes() {
        var props = valid();
        props.put(HostAgentConfig.HYPERVISOR_BACKEND, "libvirt");
        assertThatThrownBy(() -> new HostAgentConfig(props))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(HostAgentConfig.HYPERVISOR_BACKEND)
                .hasMessageContaining("libvirt")
                .hasMessageContaining("allowed: file");
    }

    @Test
    void theProcessedCommandsAreRememberedAsLongAsAnySecureZoneWouldAdmitThemUnlessConfigured() {
        assertThat(new HostAgentConfig(valid()).processedCommandRetention())
                .isEqualTo(Duration.ofHours(1)).isEqualTo(ProcessedCommandStore.DEFAULT_RETENTION)
                .isEqualTo(Duration.ofMillis(HostAgentConfig.MIN_PROCESSED_RETENTION_MS));
        var props = valid();
        props.put(HostAgentConfig.PROCESSED_RETENTION_MS, "7200000");
        assertThat(new HostAgentConfig(props).processedCommandRetention()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void refusesARetentionShorterThanAnySkewTheSecureZoneMayAllow() {
        var props = valid();
        props.put(HostAgentConfig.PROCESSED_RETENTION_MS, String.valueOf(HostAgentConfig.MIN_PROCESSED_RETENTION_MS - 1));
        assertThatThrownBy(() -> new HostAgentConfig(props))
                .isInstanceOf(ConfigException.class).hasMessageContaining(HostAgentConfig.PROCESSED_RETENTION_MS);
        props.put(HostAgentConfig.PROCESSED_RETENTION_MS, String.valueOf(HostAgentConfig.MIN_PROCESSED_RETENTION_MS));
        assertThat(new HostAgentConfig(props).processedCommandRetention()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void theRetentionBoundsFollowTheSecureZonesSkewAllowance() {
        Map<String, Object> zone = new HashMap<>(Map.of(SecureZoneConfig.HOST_ID, "h1", SecureZoneConfig.SOCKET, "/tmp/sz.sock",
                SecureZoneConfig.STATE_DIR, "/tmp/sz", SecureZoneConfig.SEALING_PASSWORD, "pw"));
        // The default covers the zone's default skew, and (below) the largest skew a zone accepts.
        assertThat(new SecureZoneConfig(zone).allowedClockSkew()).isLessThan(ProcessedCommandStore.DEFAULT_RETENTION);
        // The shortest retention accepted is the largest skew a zone accepts.
        zone.put(SecureZoneConfig.CLOCK_SKEW_MS, String.valueOf(HostAgentConfig.MIN_PROCESSED_RETENTION_MS));
        assertThat(new SecureZoneConfig(zone).allowedClockSkew().toMillis()).isEqualTo(HostAgentConfig.MIN_PROCESSED_RETENTION_MS);
        zone.put(SecureZoneConfig.CLOCK_SKEW_MS, String.valueOf(HostAgentConfig.MIN_PROCESSED_RETENTION_MS + 1));
        assertThatThrownBy(() -> new SecureZoneConfig(zone)).isInstanceOf(ConfigException.class);
    }
}
