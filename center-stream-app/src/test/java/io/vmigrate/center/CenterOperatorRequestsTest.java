package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.MigrateOut;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.operator.OperatorRole;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.request.AbortRequested;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.OperatorRequestType;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import io.vmigrate.trust.Suite;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operators are identities: only requests signed by a known key of a writing role are acted on. */
class CenterOperatorRequestsTest {

    @TempDir
    Path dir;

    @Test
    void aSignedRequestIsActedOnAndRequestedByIsTheVerifiedName() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            center.register("vm1", h1);
            center.request("m1", "vm1", "h1", "h2");
            assertThat(center.onlyCommand("h1", MigrateOut.class).getMigrationId()).isEqualTo("m1");
            assertThat(center.state("vm1").getRequestedBy()).isEqualTo("olga");
        }
    }

    @Test
    void anUnsignedRequestIsDeadLetteredAndAlertedAndNeverActedOn() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.GM, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            center.register("vm1", h1);
            byte[] unsigned = SingleObjectCodec.of(io.vmigrate.schema.request.MigrationRequested.class)
                    .encode(center.migrationRequest("m1", "vm1", "h1", "h2"));
            center.rawRequests.pipeInput("vm1", unsigned);
            center.rawRequests.pipeInput("vm1", new byte[] {0, 1, 2});

            assertRefusedUnattributed(center, RefusalReason.NOT_SIGNED, RefusalReason.MALFORMED);
            assertThat(center.state("vm1").getMigrationId()).isEqualTo("register:vm1");
        }
    }

    @Test
    void aRequestSignedByAnUnknownKeyIsDeadLetteredAndAlerted() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            center.register("vm1", h1);
            TestOperator stranger = new TestOperator(Suite.INTL, "olga", OperatorRole.ADMIN, center.clock);
            center.requests.pipeInput("vm1", stranger.sign(center.migrationRequest("m1", "vm1", "h1", "h2")));

            assertRefusedUnattributed(center, RefusalReason.UNKNOWN_SIGNER);
        }
    }

    @Test
    void aTamperedRequestIsRefusedByItsSignature() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            center.register("vm1", h1);
            var request = center.operator.sign(center.migrationRequest("m1", "vm1", "h1", "h2"));
            request.setBody(ByteBuffer.wrap(io.vmigrate.schema.serde.SingleObjectCodec
                    .of(io.vmigrate.schema.request.MigrationRequested.class)
                    .encode(center.migrationRequest("m1", "vm1", "h1", "h3"))));
            center.requests.pipeInput("vm1", request);

            assertRefusedUnattributed(center, RefusalReason.SIGNATURE_INVALID);
        }
    }

    @Test
    void anAuditorMayNotWrite() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            center.register("vm1", h1);
            center.requests.pipeInput("vm1", center.auditor.sign(center.migrationRequest("m1", "vm1", "h1", "h2")));

            List<MigrationRejected> rejections = center.rejectionsTopic.readValuesToList();
            assertThat(rejections).singleElement().satisfies(r -> {
                assertThat(r.getMigrationId()).isEqualTo("m1");
                assertThat(r.getReason()).isEqualTo(RefusalReason.NOT_AUTHORIZED);
                assertThat(r.getDetail()).contains("AUDITOR audrey");
            });
            center.drain();
            assertThat(center.alerts).extracting(a -> a.getReason()).containsExactly(RefusalReason.NOT_AUTHORIZED);
            assertThat(center.commands("h1")).isEmpty();
            assertThat(center.commands("h2")).isEmpty();
            assertThat(center.audit("m1")).isEmpty();
        }
    }

    @Test
    void anAbortBeforeCommitAbortsBothHosts() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            String epoch0 = center.register("vm1", h1);
            center.request("m1", "vm1", "h1", "h2");
            center.commands("h1");
            center.commands("h2");

            center.abort("m1", "vm1");

            assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.ABORTED);
            assertThat(center.state("vm1").getOutcomeReason()).isEqualTo(RefusalReason.OPERATOR_ABORT);
            assertThat(center.state("vm1").getOutcomeDetail()).contains("olga");
            assertThat(center.onlyCommand("h1", AbortMigration.class).getReason()).isEqualTo(RefusalReason.OPERATOR_ABORT);
            assertThat(center.onlyCommand("h2", AbortMigration.class).getReason()).isEqualTo(RefusalReason.OPERATOR_ABORT);
            assertThat(center.binding("vm1").getBinding().getKeyFingerprint()).isEqualTo(epoch0);
            assertThat(center.rejectionsTopic.readValuesToList()).isEmpty();
        }
    }

    @Test
    void anAbortAfterCommitIsRefusedWithAReasonAndChangesNothing() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            SimulatedHost h2 = center.enrolledHost("h2");
            center.register("vm1", h1);
            center.request("m1", "vm1", "h1", "h2");
            center.onlyCommand("h1", MigrateOut.class);
            center.onlyCommand("h2", CreateTargetVm.class);
            center.reply(h2, "m1", "vm1", 0, TargetVmCreated.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setCreatedAt(center.clock.instant()).build());
            DeliverVmKey delivery = center.onlyCommand("h2", DeliverVmKey.class);
            String epoch1 = delivery.getBinding().getKeyFingerprint();
            center.reply(h2, "m1", "vm1", 1, KeyInstallReply.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setOutcome(KeyInstallOutcome.INSTALLED).setKeyFingerprint(epoch1).setEpoch(1).build());
            center.reply(h1, "m1", "vm1", 0, VmAttestation.newBuilder().setMigrationId("m1").setVmId("vm1").setHostId("h1")
                    .setDescriptionDigest(ByteBuffer.wrap(new byte[] {1})).setImageManifestDigest(ByteBuffer.wrap(new byte[] {2}))
                    .setAttestedAt(center.clock.instant()).build());
            center.reply(h2, "m1", "vm1", 1, MigrationCompleted.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setKeyFingerprint(epoch1).setEpoch(1).setCompletedAt(center.clock.instant()).build());
            assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.DEREGISTER_SENT);
            center.commands("h1");
            center.commands("h2");

            center.abort("m1", "vm1");
            center.abort("m-unknown", "vm1");

            assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.DEREGISTER_SENT);
            assertThat(center.rejectionsTopic.readValuesToList()).satisfiesExactly(
                    r -> {
                        assertThat(r.getMigrationId()).isEqualTo("m1");
                        assertThat(r.getReason()).isEqualTo(RefusalReason.ALREADY_COMMITTED);
                        assertThat(r.getRequestType()).isEqualTo(OperatorRequestType.ABORT_REQUESTED);
                        assertThat(r.getRequestId()).isNotNull();
                    },
                    r -> assertThat(r.getReason()).isEqualTo(RefusalReason.MIGRATION_UNKNOWN));
            assertThat(center.commands("h1")).isEmpty();
            assertThat(center.commands("h2")).isEmpty();
        }
    }

    @Test
    void anAuditorMayNotAbort() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            center.register("vm1", h1);
            center.request("m1", "vm1", "h1", "h2");
            center.requests.pipeInput("vm1", center.auditor.sign(AbortRequested.newBuilder().setMigrationId("m1")
                    .setVmId("vm1").build()));
            assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.COMMANDED);
            assertThat(center.rejectionsTopic.readValuesToList()).singleElement()
                    .satisfies(r -> assertThat(r.getReason()).isEqualTo(RefusalReason.NOT_AUTHORIZED));
        }
    }

    private static void assertRefusedUnattributed(CenterHarness center, RefusalReason... reasons) throws Exception {
        center.drain();
        assertThat(center.deadLetters).extracting(d -> RefusalReason.valueOf(new String(
                d.headers().lastHeader(DeadLetterHeaders.REASON).value(), java.nio.charset.StandardCharsets.UTF_8)))
                .containsExactly(reasons);
        assertThat(center.alerts).extracting(a -> a.getReason()).containsExactly(reasons);
        assertThat(center.alerts).allSatisfy(a -> assertThat(a.getMigrationId()).isNull());
        assertThat(center.rejectionsTopic.readValuesToList()).isEmpty();
        assertThat(center.commands("h1")).isEmpty();
        assertThat(center.commands("h2")).isEmpty();
        assertThat(center.audit("m1")).isEmpty();
    }
}
