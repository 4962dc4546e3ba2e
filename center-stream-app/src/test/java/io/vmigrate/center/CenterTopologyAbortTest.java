package io.vmigrate.center;

import io.vmigrate.schema.audit.AuditChain;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Suite;
import io.vmigrate.schema.reply.AbortAcknowledged;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CenterTopologyAbortTest {

    @TempDir
    Path dir;

    private static void assertAbortedToBothHosts(CenterHarness center, RefusalReason reason) throws Exception {
        AbortMigration toSource = center.onlyCommand("h1", AbortMigration.class);
        AbortMigration toDestination = center.onlyCommand("h2", AbortMigration.class);
        assertThat(toSource.getRole()).isEqualTo(HostRole.SOURCE);
        assertThat(toDestination.getRole()).isEqualTo(HostRole.DESTINATION);
        assertThat(toSource.getReason()).isEqualTo(reason);
        assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.ABORTED);
        assertThat(center.state("vm1").getOutcomeReason()).isEqualTo(reason);
        var binding = center.binding("vm1").getBinding();
        assertThat(binding.getHostId()).as("binding untouched").isEqualTo("h1");
        assertThat(binding.getEpoch()).isZero();
        List<AuditRecord> trail = center.audit("m1");
        assertThat(trail.subList(trail.size() - 2, trail.size())).extracting(AuditRecord::getStep)
                .containsExactly(MigrationStep.ABORTING, MigrationStep.ABORTED);
        assertThat(trail.get(trail.size() - 1).getReason()).isEqualTo(reason);
        AuditChain.verify(trail, center.centerVerifier, CryptoSuites.get(center.suite).digest());
    }

    private static AbortAcknowledged acknowledged(String hostId, HostRole role) {
        return AbortAcknowledged.newBuilder().setMigrationId("m1").setVmId("vm1").setHostId(hostId).setRole(role)
                .setTargetVmDestroyed(role == HostRole.DESTINATION).setVmKeyZeroized(role == HostRole.DESTINATION).build();
    }

    @Test
    void anAbortIsResentWithFreshEnvelopesUntilEachHostAcknowledges() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.GM, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            SimulatedHost h2 = center.enrolledHost("h2");
            center.register("vm1", h1);
            center.request("m1", "vm1", "h1", "h2");
            center.commands("h1");
            center.commands("h2");
            center.advance(Duration.ofMinutes(3));
            List<OpenedEnvelope> first = center.commands("h2");
            assertThat(first).singleElement().satisfies(c -> assertThat(c.body()).isInstanceOf(AbortMigration.class));
            center.commands("h1");

            center.reply(h1, "m1", "vm1", 0, acknowledged("h1", HostRole.SOURCE));
            center.advance(Duration.ofSeconds(6));
            List<OpenedEnvelope> retried = center.commands("h2");
            assertThat(retried).as("only the host yet to acknowledge is asked again").singleElement()
                    .satisfies(c -> assertThat(c.body()).isInstanceOf(AbortMigration.class));
            assertThat(retried.get(0).envelope().getMessageId()).isNotEqualTo(first.get(0).envelope().getMessageId());
            assertThat(center.commands("h1")).isEmpty();

            center.reply(h2, "m1", "vm1", 1, acknowledged("h2", HostRole.DESTINATION));
            center.advance(Duration.ofMinutes(10));
            assertThat(center.commands("h2")).as("nothing more once acknowledged").isEmpty();
            assertThat(center.state("vm1").getAbortPendingHosts()).isEmpty();
        }
    }

    @Test
    void aRefusalOfACommandTheCenterNeverSentAbortsNothing() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            center.register("vm1", h1);
            center.request("m1", "vm1", "h1", "h2");
            center.commands("h1");
            center.commands("h2");
            center.reply(h1, "m1", "vm1", 0, CommandRefused.newBuilder().setCommandMessageId("forged-command")
                    .setCommandType(MessageType.MIGRATE_OUT).setMigrationId("m1").setVmId("vm1").setHostId("h1")
                    .setReason(RefusalReason.HYPERVISOR_FAILURE).setDetail("claimed").build());
            assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.COMMANDED);
            assertThat(center.commands("h2")).as("no abort").isEmpty();
        }
    }

    private static DeliverVmKey startAndCreateTarget(CenterHarness center, SimulatedHost h2) throws Exception {
        center.request("m1", "vm1", "h1", "h2");
        center.commands("h1");
        center.commands("h2");
        center.reply(h2, "m1", "vm1", 0, TargetVmCreated.newBuilder().setMigrationId("m1").setVmId("vm1")
                .setHostId("h2").setCreatedAt(center.clock.instant()).build());
        return center.onlyCommand("h2", DeliverVmKey.class);
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void keyInstallFailedAbortsAndLeavesTheBinding(Suite suite) throws Exception {
        try (CenterHarness center = new CenterHarness(suite, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            SimulatedHost h2 = center.enrolledHost("h2");
            center.register("vm1", h1);
            DeliverVmKey delivery = startAndCreateTarget(center, h2);
            assertThat(center.vmKey("vm1", 1)).isNotNull();
            center.reply(h2, "m1", "vm1", 1, KeyInstallReply.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setOutcome(KeyInstallOutcome.FAILED).setReason(RefusalReason.UNWRAP_FAILED)
                    .setDetail("cannot unwrap").setKeyFingerprint(delivery.getBinding().getKeyFingerprint()).setEpoch(1).build());
            assertAbortedToBothHosts(center, RefusalReason.UNWRAP_FAILED);
            assertThat(center.vmKey("vm1", 1)).as("the uncommitted key is dropped").isNull();
            assertThat(center.vmKey("vm1", 0)).isNotNull();

            // Not moved again before both hosts confirmed the abort (h2 may still hold a copy with the new key).
            center.request("m1b", "vm1", "h1", "h3");
            assertThat(center.state("vm1").getMigrationId()).isEqualTo("m1");
            assertThat(center.commands("h1")).as("nothing sent for m1b").isEmpty();

            center.reply(h1, "m1", "vm1", 0, acknowledged("h1", HostRole.SOURCE));
            center.reply(h2, "m1", "vm1", 1, acknowledged("h2", HostRole.DESTINATION));
            assertThat(center.state("vm1").getAbortPendingHosts()).isEmpty();
            // The VM is free again: a new migration is accepted.
            center.request("m2", "vm1", "h1", "h2");
            assertThat(center.commands("h1")).hasSize(1);
            assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.COMMANDED);
        }
    }

    @Test
    void deadlinePassedAbortsOnWallClockAndLateRepliesAreIgnored() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            SimulatedHost h2 = center.enrolledHost("h2");
            center.register("vm1", h1);
            DeliverVmKey delivery = startAndCreateTarget(center, h2);

            center.advance(CenterHarness.DEADLINE.minusSeconds(1));
            assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.KEY_DELIVERED);
            center.advance(Duration.ofSeconds(2));
            assertAbortedToBothHosts(center, RefusalReason.DEADLINE_PASSED);

            String fingerprint = delivery.getBinding().getKeyFingerprint();
            center.reply(h2, "m1", "vm1", 1, KeyInstallReply.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setOutcome(KeyInstallOutcome.INSTALLED).setKeyFingerprint(fingerprint).setEpoch(1).build());
            center.reply(h2, "m1", "vm1", 1, MigrationCompleted.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setKeyFingerprint(fingerprint).setEpoch(1).setCompletedAt(center.clock.instant()).build());
            assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.ABORTED);
            assertThat(center.binding("vm1").getBinding().getEpoch()).isZero();
            assertThat(center.commands("h1")).as("never deregistered").isEmpty();
            List<AuditRecord> trail = center.audit("m1");
            assertThat(trail.get(trail.size() - 1).getDetail()).startsWith("ignored MIGRATION_COMPLETED");
            AuditChain.verify(trail, center.centerVerifier, CryptoSuites.get(Suite.INTL).digest());
        }
    }

    @Test
    void aRefusedCommandAborts() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            center.register("vm1", h1);
            center.request("m1", "vm1", "h1", "h2");
            var migrateOut = center.commands("h1").get(0).envelope();
            center.commands("h2");
            center.reply(h1, "m1", "vm1", 0, CommandRefused.newBuilder().setCommandMessageId(migrateOut.getMessageId())
                    .setCommandType(MessageType.MIGRATE_OUT).setMigrationId("m1").setVmId("vm1").setHostId("h1")
                    .setReason(RefusalReason.HYPERVISOR_FAILURE).setDetail("disk full").build());
            assertAbortedToBothHosts(center, RefusalReason.HYPERVISOR_FAILURE);
        }
    }
}
