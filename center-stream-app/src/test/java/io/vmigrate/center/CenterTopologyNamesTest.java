package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changelog and repartition topics are named after the stores and nodes, so the workflow's
 * adapters must keep every name a running center already has topics for.
 */
class CenterTopologyNamesTest {

    @TempDir
    Path dir;

    @Test
    void theWorkflowKeepsItsNodeAndStoreNames() throws Exception {
        try (CenterVault vault = CenterVault.openOrCreate(dir.resolve("vault.bcfks"), "pw".toCharArray(), Suite.INTL)) {
            CenterConfig config = new CenterConfig(Map.of(CenterConfig.BOOTSTRAP_SERVERS, "unused:9092",
                    CenterConfig.VAULT_PASSWORD, "pw", CenterConfig.SUITE, "intl",
                    CenterConfig.STATE_DIR, dir.resolve("state").toString()));
            TopologyDescription description = CenterTopology.build(config, vault, Topics.withDefaultWireFormat(),
                    Clock.systemUTC()).describe();

            Map<String, TreeSet<String>> storesByProcessor = new TreeMap<>();
            Map<String, java.util.Set<String>> topicsBySource = new TreeMap<>();
            for (TopologyDescription.Subtopology subtopology : description.subtopologies()) {
                for (TopologyDescription.Node node : subtopology.nodes()) {
                    if (node instanceof TopologyDescription.Processor processor) {
                        storesByProcessor.put(processor.name(), new TreeSet<>(processor.stores()));
                    }
                    if (node instanceof TopologyDescription.Source source) {
                        topicsBySource.put(source.name(), source.topicSet());
                    }
                }
            }
            // The global trust-registry store is read by the workflow but connected to none of its processors.
            TreeSet<String> workflowStores = new TreeSet<>(List.of("migrations", "migrations-by-id", "finished-migrations", "bindings", "vm-keys",
                    "registrations"));
            TreeSet<String> enrollmentStores = new TreeSet<>(List.of("enrollments", "pending-enrollments"));
            assertThat(storesByProcessor).isEqualTo(Map.of(
                    "request-validator", workflowStores,
                    "host-reply-processor", workflowStores,
                    "registration-processor", workflowStores,
                    "claimed-request-processor", workflowStores,
                    "migration-id-claimer", new TreeSet<>(List.of("migration-id-claims", "migration-id-claims-by-time")),
                    "enrollment-processor", enrollmentStores,
                    "host-approval-processor", enrollmentStores,
                    "operator-grant-processor", new TreeSet<String>()));
            // The claim step's topics are named after the application id, as Kafka Streams' internal topics are.
            assertThat(topicsBySource).containsEntry("migration-id-claims-source",
                    java.util.Set.of("vmigrate-center-migration-id-claims-repartition"));
            assertThat(topicsBySource).containsEntry("claimed-migration-requests-source",
                    java.util.Set.of("vmigrate-center-claimed-migration-requests-repartition"));
            // The global operator-registry store is read by every request gate and the grant processor.
            assertThat(description.globalStores()).extracting(global -> global.processor().name() + ":"
                    + global.processor().stores()).containsExactlyInAnyOrder("trust-registry-updater:[trust-registry]",
                            "operator-registry-updater:[operator-registry]");
        }
    }
}
