package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.command.MigrateOut;
import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.request.HostApproval;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import io.vmigrate.trust.Suite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hosts are trusted only after approval: by an operator's signed approval of their fingerprint, or the allow-list. */
class CenterHostApprovalTest {

    @TempDir
    Path dir;

    @Test
    void aNewHostStaysPendingAndReceivesNothingEvenWithAValidProof() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.register("vm1", h1);
            center.registryTopic.readValuesToList();
            center.pendingHost("h9");

            List<TrustRegistryEntry> published = center.registryTopic.readValuesToList();
            assertThat(published).extracting(TrustRegistryEntry::getEntryId).containsExactly("pending-host:h9");
            assertThat(TrustRegistryEntries.isSignedBy(published.get(0), center.centerVerifier)).isTrue();

            center.request("m1", "vm1", "h1", "h9");
            assertThat(center.rejectionsTopic.readValuesToList()).extracting(MigrationRejected::getReason)
                    .containsExactly(RefusalReason.DESTINATION_NOT_ENROLLED);
            assertThat(center.commands("h9")).isEmpty();
            assertThat(center.commands("h1")).isEmpty();
            assertThat(center.binding("vm1").getBinding().getHostId()).isEqualTo("h1");
        }
    }

    @Test
    void anApprovalOfTheEnrolledFingerprintMakesAPendingHostUsable() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.GM, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.register("vm1", h1);
            SimulatedHost h9 = center.pendingHost("h9");
            center.registryTopic.readValuesToList();

            center.approvals.pipeInput("h9", center.operator.sign(HostApproval.newBuilder().setHostId("h9")
                    .setFingerprint(h1.signingKeyFingerprint()).build()));
            center.approvals.pipeInput("h9", center.auditor.sign(HostApproval.newBuilder().setHostId("h9")
                    .setFingerprint(h9.signingKeyFingerprint()).build()));
            assertThat(center.registryTopic.readValuesToList()).as("wrong fingerprint, or an auditor: still pending").isEmpty();
            center.drain();
            assertThat(reasons(center)).containsExactly(RefusalReason.HOST_NOT_APPROVED, RefusalReason.NOT_AUTHORIZED);
            assertThat(center.alerts).extracting(a -> a.getReason())
                    .containsExactly(RefusalReason.HOST_NOT_APPROVED, RefusalReason.NOT_AUTHORIZED);

            center.approve(h9);
            List<TrustRegistryEntry> published = center.registryTopic.readValuesToList();
            assertThat(published).extracting(TrustRegistryEntry::getEntryId).containsExactly("host:h9");
            assertThat(published.get(0).getHost().getSecureZoneSigningKey().getKeyId()).isEqualTo(h9.signingKeyFingerprint());

            center.request("m1", "vm1", "h1", "h9");
            assertThat(center.onlyCommand("h9", CreateTargetVm.class).getMigrationId()).isEqualTo("m1");
        }
    }

    @Test
    void aRetiredHostIsRefusedLikeAnUnknownOneAndNeverEnrollsAgain() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            SimulatedHost h2 = center.enrolledHost("h2");
            center.register("vm1", h1);
            center.register("vm2", h1);
            center.request("m1", "vm1", "h1", "h2");
            center.onlyCommand("h1", MigrateOut.class);
            center.onlyCommand("h2", CreateTargetVm.class);
            center.registryTopic.readValuesToList();

            center.retire("h2");
            List<TrustRegistryEntry> published = center.registryTopic.readValuesToList();
            assertThat(published).singleElement().satisfies(entry -> {
                assertThat(entry.getEntryId()).isEqualTo("host:h2");
                assertThat(entry.getRevoked()).isTrue();
                assertThat(TrustRegistryEntries.isSignedBy(entry, center.centerVerifier)).isTrue();
            });

            // Its replies are no longer verified: the in-flight migration gets no key delivered to it.
            center.reply(h2, "m1", "vm1", 0, TargetVmCreated.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId("h2").setCreatedAt(center.clock.instant()).build());
            assertThat(center.commands("h2")).isEmpty();
            center.request("m2", "vm2", "h1", "h2");
            assertThat(center.rejectionsTopic.readValuesToList()).extracting(MigrationRejected::getReason)
                    .containsExactly(RefusalReason.DESTINATION_NOT_ENROLLED);

            center.enrollments.pipeInput("h2", h2.enrollment(center.clock.instant()));
            center.approve(h2);
            assertThat(center.registryTopic.readValuesToList()).isEmpty();
            center.drain();
            assertThat(center.alerts).extracting(a -> a.getReason()).contains(RefusalReason.HOST_RETIRED);
        }
    }

    @Test
    void anAllowListedHostIsTrustedWhenItEnrollsWithTheListedKeyOnly() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir, Map.of(), List.of("h1", "h2"))) {
            center.pendingHost("h1");
            assertThat(center.registryTopic.readValuesToList()).extracting(TrustRegistryEntry::getEntryId)
                    .containsExactly("host:h1");

            center.host("h2");
            center.enrollments.pipeInput("h2", new SimulatedHost("h2", Suite.INTL, center.clock)
                    .enrollment(center.clock.instant()));
            assertThat(center.registryTopic.readValuesToList()).as("another key than the listed one").isEmpty();
            center.drain();
            assertThat(center.alerts).extracting(a -> a.getReason()).containsExactly(RefusalReason.HOST_NOT_APPROVED);
        }
    }

    private static List<RefusalReason> reasons(CenterHarness center) {
        return center.deadLetters.stream().map(d -> RefusalReason.valueOf(new String(
                d.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8))).toList();
    }
}
