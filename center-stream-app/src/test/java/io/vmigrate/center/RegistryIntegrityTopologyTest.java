package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.Suite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What anyone but the center writes to {@code trust.registry} changes nothing the center's global store holds. */
class RegistryIntegrityTopologyTest {

    @TempDir
    Path dir;

    @Test
    void tombstonesForeignEntriesAndGarbageLeaveAnEnrolledHostEnrolled() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            TrustRegistryEntry issued = center.registryTopic.readValuesToList().stream()
                    .filter(entry -> entry.getEntryId().equals("host:h1")).findFirst().orElseThrow();
            var store = center.driver.<String, TrustRegistryEntry>getKeyValueStore(CenterTopology.TRUST_REGISTRY_STORE);
            assertThat(store.get("host:h1")).isEqualTo(issued);

            RegistryFixtures fixtures = new RegistryFixtures();
            var raw = center.driver.createInputTopic(Topics.TRUST_REGISTRY, new ByteArraySerializer(), new ByteArraySerializer());
            byte[] key = "host:h1".getBytes(StandardCharsets.UTF_8);
            raw.pipeInput(key, (byte[]) null);
            raw.pipeInput(key, "not an entry".getBytes(StandardCharsets.UTF_8));
            byte[] issuedBytes = fixtures.bytes(issued);
            raw.pipeInput(key, java.util.Arrays.copyOf(issuedBytes, issuedBytes.length / 2));
            raw.pipeInput(key, fixtures.bytes(fixtures.host("h1", center.clock.instant().plusSeconds(1), fixtures.stranger)));
            raw.pipeInput(null, "no key".getBytes(StandardCharsets.UTF_8));

            assertThat(store.get("host:h1")).isEqualTo(issued);
            center.registrations.pipeInput("vm1", h1.registration("vm1"));
            assertThat(center.onlyCommand("h1", DeliverVmKey.class).getBinding().getVmId()).isEqualTo("vm1");
        }
    }
}
