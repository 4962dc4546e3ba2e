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

    @Test
    void streamsRunExactlyOnceWithOurHandlersAndRefuseARetryShorterThanThePunctuation() {
        var config = new CenterConfig(Map.of(CenterConfig.BOOTSTRAP_SERVERS, "b:1", CenterConfig.VAULT_PASSWORD, "x",
                CenterConfig.STATE_DIR, "/var/lib/center", "streams.security.protocol", "SSL"));
        var properties = CenterApp.streamsProperties(config);
        assertThat(properties).containsEntry("processing.guarantee", "exactly_once_v2")
                .containsEntry("commit.interval.ms", 1L).containsEntry("poll.ms", 5L)
                .containsEntry("replication.factor", 1).containsEntry("state.dir", "/var/lib/center")
                .containsEntry("security.protocol", "SSL")
                .containsEntry("deserialization.exception.handler", DeadLetterDeserializationHandler.class)
                .containsEntry("processing.exception.handler", DeadLetterProcessingHandler.class)
                .containsEntry("production.exception.handler", CategorizingProductionHandler.class);
        assertThatThrownBy(() -> new CenterConfig(Map.of(CenterConfig.BOOTSTRAP_SERVERS, "b:1", CenterConfig.VAULT_PASSWORD, "x",
                CenterConfig.DEREGISTER_RETRY_MS, "100", CenterConfig.PUNCTUATION_INTERVAL_MS, "500")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(CenterConfig.DEREGISTER_RETRY_MS);
    }

    @Test
    void theKeyRotationOverlapDefaultsToAnHourAndMayNotBeShorterThanACommandsLife() {
        var config = new CenterConfig(Map.of(CenterConfig.BOOTSTRAP_SERVERS, "b:1", CenterConfig.VAULT_PASSWORD, "x"));
        org.assertj.core.api.Assertions.assertThat(config.keyRotationOverlap()).isEqualTo(java.time.Duration.ofHours(1));
        assertThatThrownBy(() -> new CenterConfig(Map.of(CenterConfig.BOOTSTRAP_SERVERS, "b:1", CenterConfig.VAULT_PASSWORD, "x",
                CenterConfig.KEY_ROTATION_OVERLAP_MS, "59000", CenterConfig.COMMAND_TTL_MS, "60000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(CenterConfig.KEY_ROTATION_OVERLAP_MS);
    }
}
