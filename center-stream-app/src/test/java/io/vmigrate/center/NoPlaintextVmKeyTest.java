package io.vmigrate.center;

import static io.vmigrate.common.testing.SecretScan.indexOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.common.testing.SecretScan;

import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.center.VaultedVmKey;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SerdeFactory;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.serde.WireFormat;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Suite;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Rule 5: no VM private key in plaintext in any store, changelog or output topic of the center. */
class NoPlaintextVmKeyTest {

    private static final SingleObjectCodec<DeliverVmKey> DELIVERIES = SingleObjectCodec.of(DeliverVmKey.class);

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Suite.class)
    void noStoreChangelogOrTopicHoldsAVmPrivateKey(Suite suite) throws Exception {
        try (CenterHarness center = new CenterHarness(suite, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            SimulatedHost h2 = center.enrolledHost("h2");
            center.register("vm1", h1);
            List<VaultedVmKey> minted = new ArrayList<>();
            minted.add(center.vmKey("vm1", 0));
            center.request("m1", "vm1", "h1", "h2");
            center.commands("h1");
            center.commands("h2");
            center.reply(h2, "m1", "vm1", 0, TargetVmCreated.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setCreatedAt(center.clock.instant()).build());
            DeliverVmKey delivery = center.onlyCommand("h2", DeliverVmKey.class);
            minted.add(center.vmKey("vm1", 1));
            String fingerprint = delivery.getBinding().getKeyFingerprint();
            center.reply(h2, "m1", "vm1", 1, KeyInstallReply.newBuilder().setMigrationId("m1").setVmId("vm1").setHostId("h2")
                    .setOutcome(KeyInstallOutcome.INSTALLED).setKeyFingerprint(fingerprint).setEpoch(1).build());
            center.reply(h1, "m1", "vm1", 0, VmAttestation.newBuilder().setMigrationId("m1").setVmId("vm1").setHostId("h1")
                    .setDescriptionDigest(ByteBuffer.wrap(new byte[] {1})).setImageManifestDigest(ByteBuffer.wrap(new byte[] {2}))
                    .setAttestedAt(center.clock.instant()).build());
            center.reply(h2, "m1", "vm1", 1, MigrationCompleted.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setKeyFingerprint(fingerprint).setEpoch(1).setCompletedAt(center.clock.instant()).build());
            center.commands("h1");
            center.commands("h2");

            // The keys as their destinations' secure zones see them: unwrapped from the deliveries they got.
            Map<String, SimulatedHost> hosts = Map.of("h1", h1, "h2", h2);
            List<byte[]> secrets = new ArrayList<>();
            for (SignedEnvelope command : center.allCommands) {
                if (command.getMessageType() == MessageType.DELIVER_VM_KEY) {
                    DeliverVmKey delivered = DELIVERIES.decode(ByteBuffers.toArray(command.getBody()));
                    byte[] pkcs8 = hosts.get(command.getHostId()).unwrap(delivered)
                            .toByteArray(SecretKeyAccess.insecureSecretAccess());
                    secrets.add(pkcs8);
                    secrets.add(SecretScan.privateValueOfPkcs8(pkcs8));
                }
            }
            assertThat(minted).doesNotContainNull();
            assertThat(secrets).as("the epoch-0 and epoch-1 keys").hasSize(4);

            List<byte[]> haystack = new ArrayList<>();
            SerdeFactory serdes = WireFormat.DEFAULT.serdeFactory();
            addStore(center, haystack, CenterTopology.MIGRATIONS_STORE, serdes, MigrationState.class);
            addStore(center, haystack, CenterTopology.BINDINGS_STORE, serdes, VmInventoryEntry.class);
            addStore(center, haystack, CenterTopology.VM_KEYS_STORE, serdes, VaultedVmKey.class);
            addStore(center, haystack, CenterTopology.REGISTRATIONS_STORE, serdes, VmRegistrationRequested.class);
            addStore(center, haystack, CenterTopology.ENROLLMENTS_STORE, serdes, TrustRegistryEntry.class);
            addStore(center, haystack, CenterTopology.TRUST_REGISTRY_STORE, serdes, TrustRegistryEntry.class);
            for (SignedEnvelope command : center.allCommands) {
                haystack.add(serdes.serde(SignedEnvelope.class).serializer().serialize("x", command));
            }
            center.drain();
            for (List<AuditRecord> trail : center.audit.values()) {
                for (AuditRecord record : trail) {
                    haystack.add(serdes.serde(AuditRecord.class).serializer().serialize("x", record));
                }
            }
            // Everything else the topology produced, changelogs included, as raw bytes.
            assertThat(center.driver.producedTopicNames()).contains("vmigrate-center-vm-keys-changelog");
            for (String topic : center.driver.producedTopicNames()) {
                var output = center.driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                output.readRecordsToList().stream().filter(record -> record.value() != null) // tombstones
                        .forEach(record -> haystack.add(record.value()));
            }
            assertThat(haystack).hasSizeGreaterThan(20);
            for (byte[] secret : secrets) {
                for (byte[] bytes : haystack) {
                    assertThat(indexOf(bytes, secret)).as("plaintext VM private key bytes found").isEqualTo(-1);
                }
            }
        }
    }

    private static <V extends SpecificRecord> void addStore(CenterHarness center, List<byte[]> haystack, String store,
            SerdeFactory serdes, Class<V> type) {
        try (var all = center.driver.<String, V>getKeyValueStore(store).all()) {
            all.forEachRemaining(entry -> haystack.add(serdes.serde(type).serializer().serialize("x", entry.value)));
        }
    }
}
