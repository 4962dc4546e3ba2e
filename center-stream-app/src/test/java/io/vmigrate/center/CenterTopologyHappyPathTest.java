package io.vmigrate.center;

import io.vmigrate.schema.audit.AuditChain;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.command.ForwardedVmAttestation;
import io.vmigrate.schema.command.MigrateOut;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.reply.VmDeregistered;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Suite;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CenterTopologyHappyPathTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aMigrationWalksEveryStepToDone(Suite suite) throws Exception {
        try (CenterHarness center = new CenterHarness(suite, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            SimulatedHost h2 = center.enrolledHost("h2");
            assertThat(center.registryTopic.readValuesToList()).extracting(e -> e.getEntryId())
                    .containsExactly("pending-host:h1", "host:h1", "pending-host:h2", "host:h2");

            String epoch0 = center.register("vm1", h1);
            assertThat(center.binding("vm1").getBinding().getHostId()).isEqualTo("h1");
            assertThat(center.binding("vm1").getBinding().getEpoch()).isZero();
            assertThat(center.binding("vm1").getBinding().getKeyFingerprint()).isEqualTo(epoch0);
            assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.DONE);

            center.request("m1", "vm1", "h1", "h2");
            MigrateOut migrateOut = center.onlyCommand("h1", MigrateOut.class);
            assertThat(migrateOut.getDestinationHostId()).isEqualTo("h2");
            CreateTargetVm create = center.onlyCommand("h2", CreateTargetVm.class);
            assertThat(create.getSourceHostId()).isEqualTo("h1");
            assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.COMMANDED);

            center.reply(h2, "m1", "vm1", 0, TargetVmCreated.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setCreatedAt(center.clock.instant()).build());
            List<OpenedEnvelope> toH2 = center.commands("h2");
            assertThat(toH2).hasSize(1);
            DeliverVmKey delivery = toH2.get(0).body(DeliverVmKey.class);
            assertThat(toH2.get(0).envelope().getBindingEpoch()).isEqualTo(1);
            assertThat(delivery.getBinding().getHostId()).isEqualTo("h2");
            assertThat(delivery.getBinding().getEpoch()).isEqualTo(1);
            assertThat(delivery.getBinding().getMigrationId()).isEqualTo("m1");
            String epoch1 = delivery.getBinding().getKeyFingerprint();
            assertThat(epoch1).isNotEqualTo(epoch0).isEqualTo(delivery.getVmPublicKey().getKeyId());
            // The destination secure zone can unwrap it, and it is the private half of the delivered public key.
            var unwrapped = h2.unwrap(delivery);
            PrivateKeyHandle vmKey = PrivateKeyHandle.importPkcs8(suite, KeyPurpose.SIGNING, unwrapped,
                    SecretKeyAccess.insecureSecretAccess());
            assertThat(vmKey.publicKey()).isEqualTo(PublicKeyRecords.fromRecord(delivery.getVmPublicKey()));

            center.reply(h2, "m1", "vm1", 1, KeyInstallReply.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setOutcome(KeyInstallOutcome.INSTALLED).setKeyFingerprint(epoch1).setEpoch(1).build());
            assertThat(center.state("vm1").getKeyInstalled()).isTrue();

            byte[] description = {1, 2, 3};
            byte[] manifest = {4, 5, 6};
            center.reply(h1, "m1", "vm1", 0, VmAttestation.newBuilder().setMigrationId("m1").setVmId("vm1").setHostId("h1")
                    .setDescriptionDigest(ByteBuffer.wrap(description)).setImageManifestDigest(ByteBuffer.wrap(manifest))
                    .setAttestedAt(center.clock.instant()).build());
            ForwardedVmAttestation forwarded = center.onlyCommand("h2", ForwardedVmAttestation.class);
            assertThat(forwarded.getDescriptionDigest()).isEqualTo(ByteBuffer.wrap(description));
            assertThat(forwarded.getImageManifestDigest()).isEqualTo(ByteBuffer.wrap(manifest));
            assertThat(center.binding("vm1").getBinding().getEpoch()).as("nothing committed yet").isZero();

            center.reply(h2, "m1", "vm1", 1, MigrationCompleted.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setKeyFingerprint(epoch1).setEpoch(1).setCompletedAt(center.clock.instant()).build());
            var binding = center.binding("vm1").getBinding();
            assertThat(binding.getHostId()).isEqualTo("h2");
            assertThat(binding.getEpoch()).isEqualTo(1);
            assertThat(binding.getKeyFingerprint()).isEqualTo(epoch1);
            assertThat(binding.getMigrationId()).isEqualTo("m1");
            assertThat(center.binding("vm1").getVmName()).isEqualTo("name-vm1");
            assertThat(center.inventoryTopic.readValuesToList()).extracting(e -> e.getBinding().getEpoch())
                    .containsExactly(0L, 1L);
            List<OpenedEnvelope> deregisters = center.commands("h1");
            assertThat(deregisters).hasSize(1);
            DeregisterVm deregister = deregisters.get(0).body(DeregisterVm.class);
            assertThat(deregister.getEpoch()).isEqualTo(1);
            assertThat(deregister.getRetiredKeyFingerprint()).isEqualTo(epoch0);

            // Unacknowledged: retried with a fresh envelope after the retry interval, not before.
            center.advance(CenterHarness.DEREGISTER_RETRY.minusSeconds(2));
            assertThat(center.commands("h1")).isEmpty();
            center.advance(Duration.ofSeconds(2));
            List<OpenedEnvelope> retried = center.commands("h1");
            assertThat(retried).hasSize(1);
            assertThat(retried.get(0).envelope().getMessageId()).isNotEqualTo(deregisters.get(0).envelope().getMessageId());
            assertThat(retried.get(0).body(DeregisterVm.class).getEpoch()).isEqualTo(1);

            center.reply(h1, "m1", "vm1", 1, VmDeregistered.newBuilder().setMigrationId("m1").setVmId("vm1").setHostId("h1")
                    .setEpoch(1).setDestroyedKeyFingerprint(epoch0).setDeregisteredAt(center.clock.instant()).build());
            assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.DONE);
            assertThat(center.vmKey("vm1", 0)).as("retired key dropped").isNull();
            assertThat(center.vmKey("vm1", 1)).isNotNull();
            center.advance(CenterHarness.DEREGISTER_RETRY.multipliedBy(2));
            assertThat(center.commands("h1")).as("no retry after DONE").isEmpty();

            List<AuditRecord> trail = center.audit("m1");
            assertThat(trail).extracting(AuditRecord::getStep).containsExactly(
                    MigrationStep.REQUESTED, MigrationStep.COMMANDED, MigrationStep.TARGET_CREATED,
                    MigrationStep.KEY_DELIVERED, MigrationStep.KEY_INSTALLED, MigrationStep.ATTESTATION_RECEIVED,
                    MigrationStep.ATTESTATION_FORWARDED, MigrationStep.COMPLETION_REPORTED, MigrationStep.COMMITTED,
                    MigrationStep.DEREGISTER_SENT, MigrationStep.DEREGISTER_SENT, MigrationStep.DONE);
            AuditChain.verify(trail, center.centerVerifier, h1.crypto.digest());
            List<AuditRecord> registration = center.audit("register:vm1");
            assertThat(registration).extracting(AuditRecord::getStep).containsExactly(MigrationStep.REQUESTED,
                    MigrationStep.KEY_DELIVERED, MigrationStep.KEY_INSTALLED, MigrationStep.COMMITTED, MigrationStep.DONE);
            AuditChain.verify(registration, center.centerVerifier, h1.crypto.digest());
            assertThat(center.deadLetters).isEmpty();
            assertThat(center.alerts).isEmpty();
        }
    }

    /** Found by the demo: the source may attest before the destination reports its target. */
    @ParameterizedTest
    @EnumSource(Suite.class)
    void theSourceAttestationMayArriveBeforeTheTargetIsCreated(Suite suite) throws Exception {
        try (CenterHarness center = new CenterHarness(suite, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            SimulatedHost h2 = center.enrolledHost("h2");
            center.register("vm1", h1);
            center.request("m1", "vm1", "h1", "h2");
            center.onlyCommand("h1", MigrateOut.class);
            center.onlyCommand("h2", CreateTargetVm.class);

            center.reply(h1, "m1", "vm1", 0, VmAttestation.newBuilder().setMigrationId("m1").setVmId("vm1").setHostId("h1")
                    .setDescriptionDigest(ByteBuffer.wrap(new byte[] {1})).setImageManifestDigest(ByteBuffer.wrap(new byte[] {2}))
                    .setAttestedAt(center.clock.instant()).build());
            center.onlyCommand("h2", ForwardedVmAttestation.class);
            center.reply(h2, "m1", "vm1", 0, TargetVmCreated.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setCreatedAt(center.clock.instant()).build());
            DeliverVmKey delivery = center.onlyCommand("h2", DeliverVmKey.class);
            String epoch1 = delivery.getBinding().getKeyFingerprint();
            center.reply(h2, "m1", "vm1", 1, KeyInstallReply.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setOutcome(KeyInstallOutcome.INSTALLED).setKeyFingerprint(epoch1).setEpoch(1).build());
            center.reply(h2, "m1", "vm1", 1, MigrationCompleted.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setKeyFingerprint(epoch1).setEpoch(1).setCompletedAt(center.clock.instant()).build());
            center.onlyCommand("h1", DeregisterVm.class);
            center.reply(h1, "m1", "vm1", 1, VmDeregistered.newBuilder().setMigrationId("m1").setVmId("vm1").setHostId("h1")
                    .setEpoch(1).setDestroyedKeyFingerprint("ignored").setDeregisteredAt(center.clock.instant()).build());

            assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.DONE);
            assertThat(center.binding("vm1").getBinding().getHostId()).isEqualTo("h2");
            assertThat(center.binding("vm1").getBinding().getEpoch()).isEqualTo(1);
            AuditChain.verify(center.audit("m1"), center.centerVerifier, h1.crypto.digest());
        }
    }
}
