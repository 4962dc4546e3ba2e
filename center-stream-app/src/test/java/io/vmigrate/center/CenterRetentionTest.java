package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The center's history is bounded: a finished migration is forgotten by id after the migration retention (the
 * VM's latest migration stays), a claimed id after the claim retention, and a request repeating an id after the
 * migration retention is a reuse, not a retry.
 */
class CenterRetentionTest {

    private static final Duration RETENTION = Duration.ofHours(1);
    private static final Duration CLAIM_RETENTION = Duration.ofHours(2);
    private static final Map<String, String> SETTINGS = Map.of(
            CenterConfig.MAX_DEADLINE_MS, Long.toString(Duration.ofMinutes(10).toMillis()),
            CenterConfig.MIGRATION_RETENTION_MS, Long.toString(RETENTION.toMillis()),
            CenterConfig.MIGRATION_ID_CLAIM_RETENTION_MS, Long.toString(CLAIM_RETENTION.toMillis()));

    @TempDir
    Path dir;

    private CenterHarness center() throws Exception {
        return new CenterHarness(Suite.INTL, dir, Map.of(), List.of(), SETTINGS);
    }

    @Test
    void aFinishedMigrationIsForgottenByIdAfterTheRetentionWhileTheVmsLatestStays() throws Exception {
        try (CenterHarness center = center()) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.register("vm1", h1);
            center.register("vm2", h1);
            KeyValueStore<String, MigrationState> byId = center.driver.getKeyValueStore(CenterTopology.MIGRATIONS_BY_ID_STORE);
            assertThat(byId.get("register:vm1").getStep()).isEqualTo(MigrationStep.DONE);

            center.advance(RETENTION.minusMinutes(1));
            assertThat(byId.get("register:vm1")).as("kept within the retention").isNotNull();

            center.advance(Duration.ofMinutes(2));
            assertThat(byId.get("register:vm1")).as("forgotten by id after the retention").isNull();
            assertThat(byId.get("register:vm2")).isNull();
            assertThat(center.state("vm1").getMigrationId()).as("the VM's latest migration stays").isEqualTo("register:vm1");
            try (var index = center.driver.<String, String>getKeyValueStore(CenterTopology.FINISHED_MIGRATIONS_STORE).all()) {
                assertThat(index.hasNext()).as("the index holds nothing forgotten").isFalse();
            }
        }
    }

    @Test
    void aRepeatedRequestIsARetryWithinTheRetentionAndAReuseAfterIt() throws Exception {
        try (CenterHarness center = center()) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            center.register("vm1", h1);
            center.request("m1", "vm1", "h1", "h2");
            assertThat(center.commands("h1")).hasSize(1);
            center.commands("h2");

            center.advance(Duration.ofMinutes(1));
            center.request("m1", "vm1", "h1", "h2");
            assertThat(center.rejectionsTopic.readValuesToList()).as("a retry within the retention").isEmpty();
            assertThat(center.commands("h1")).as("nothing sent again").isEmpty();

            center.advance(RETENTION);
            center.request("m1", "vm1", "h1", "h2");
            List<MigrationRejected> rejections = center.rejectionsTopic.readValuesToList();
            assertThat(rejections).singleElement().satisfies(rejected -> {
                assertThat(rejected.getReason()).isEqualTo(RefusalReason.REPLAYED);
                assertThat(rejected.getDetail()).contains("longer ago than a retry may come");
            });

            KeyValueStore<String, MigrationRequested> claims = center.driver.getKeyValueStore(CenterTopology.MIGRATION_ID_CLAIMS_STORE);
            assertThat(claims.get("m1")).isNotNull();
            center.advance(CLAIM_RETENTION);
            assertThat(claims.get("m1")).as("the claim is forgotten after the claim retention").isNull();
        }
    }

    @Test
    void theRetentionsCannotBeShorterThanWhatTheyGuard() {
        Map<String, String> base = Map.of(CenterConfig.BOOTSTRAP_SERVERS, "unused:9092",
                CenterConfig.VAULT_PASSWORD, "x");
        assertThatThrownBy(() -> new CenterConfig(with(base, CenterConfig.MIGRATION_RETENTION_MS, "60000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(CenterConfig.MAX_DEADLINE_MS);
        assertThatThrownBy(() -> new CenterConfig(with(base, CenterConfig.MIGRATION_ID_CLAIM_RETENTION_MS, "3600000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(CenterConfig.MIGRATION_RETENTION_MS);
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        var settings = new java.util.HashMap<>(base);
        settings.put(key, value);
        return settings;
    }
}
