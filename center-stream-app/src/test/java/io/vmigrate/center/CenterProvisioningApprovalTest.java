package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.registry.HostEnrollmentRequested;
import io.vmigrate.schema.registry.ProvisioningStatement;
import io.vmigrate.schema.registry.ProvisioningStatements;
import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A host whose enrollment presents a configured provisioning CA's statement for its id and zone key is trusted at once. */
class CenterProvisioningApprovalTest {

    private static final Duration YEAR = Duration.ofDays(365);

    @TempDir
    Path dir;

    private static ProvisioningStatement statement(CenterHarness center, PrivateKeyHandle ca, String hostId, String fingerprint,
            Instant issuedAt, Instant expiresAt) {
        return ProvisioningStatements.issue(CryptoSuites.get(center.suite).signer(ca), hostId, fingerprint, issuedAt, expiresAt);
    }

    private static ProvisioningStatement validFor(CenterHarness center, SimulatedHost host) {
        Instant now = center.clock.instant();
        return statement(center, center.provisioningCa, host.hostId, host.signingKeyFingerprint(), now, now.plus(YEAR));
    }

    private static void enroll(CenterHarness center, SimulatedHost host, ProvisioningStatement statement) {
        center.enrollments.pipeInput(host.hostId, HostEnrollmentRequested.newBuilder(host.enrollment(center.clock.instant()))
                .setProvisioningStatement(statement).build());
    }

    @Test
    void aValidStatementOfAConfiguredCaApprovesTheHostAtEnrollment() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.GM, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.register("vm1", h1);
            center.registryTopic.readValuesToList();
            SimulatedHost h5 = center.host("h5");

            enroll(center, h5, validFor(center, h5));

            List<TrustRegistryEntry> published = center.registryTopic.readValuesToList();
            assertThat(published).extracting(TrustRegistryEntry::getEntryId).containsExactly("host:h5");
            assertThat(TrustRegistryEntries.isSignedBy(published.get(0), center.centerVerifier)).isTrue();
            assertThat(published.get(0).getHost().getSecureZoneSigningKey().getKeyId()).isEqualTo(h5.signingKeyFingerprint());
            center.request("m1", "vm1", "h1", "h5");
            assertThat(center.onlyCommand("h5", CreateTargetVm.class).getMigrationId()).isEqualTo("m1");
            center.drain();
            assertThat(center.alerts).isEmpty();
        }
    }

    @Test
    void aPendingHostIsApprovedWhenItEnrollsAgainWithAStatement() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h6 = center.pendingHost("h6");
            assertThat(center.registryTopic.readValuesToList()).extracting(TrustRegistryEntry::getEntryId)
                    .containsExactly("pending-host:h6");

            enroll(center, h6, validFor(center, h6));

            assertThat(center.registryTopic.readValuesToList()).extracting(TrustRegistryEntry::getEntryId)
                    .containsExactly("host:h6");
        }
    }

    @Test
    void everyOtherStatementLeavesTheHostPendingWithItsReasonAlerted() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            Instant now = center.clock.instant();
            PrivateKeyHandle stranger = CryptoSuites.get(Suite.INTL).generateSigningKey();
            SimulatedHost other = center.host("h8");

            SimulatedHost wrongHost = center.host("w1");
            enroll(center, wrongHost, statement(center, center.provisioningCa, "h8", wrongHost.signingKeyFingerprint(),
                    now, now.plus(YEAR)));
            SimulatedHost wrongKey = center.host("w2");
            enroll(center, wrongKey, statement(center, center.provisioningCa, "w2", other.signingKeyFingerprint(),
                    now, now.plus(YEAR)));
            SimulatedHost expired = center.host("w3");
            enroll(center, expired, statement(center, center.provisioningCa, "w3", expired.signingKeyFingerprint(),
                    now.minus(YEAR), now.minus(Duration.ofDays(1))));
            SimulatedHost notYet = center.host("w4");
            enroll(center, notYet, statement(center, center.provisioningCa, "w4", notYet.signingKeyFingerprint(),
                    now.plus(Duration.ofDays(1)), now.plus(YEAR)));
            SimulatedHost strangers = center.host("w5");
            enroll(center, strangers, statement(center, stranger, "w5", strangers.signingKeyFingerprint(), now, now.plus(YEAR)));
            SimulatedHost forged = center.host("w6");
            ProvisioningStatement stretched = validFor(center, forged);
            stretched.setExpiresAt(now.plus(YEAR).plus(YEAR));
            enroll(center, forged, stretched);

            assertThat(center.registryTopic.readValuesToList()).extracting(TrustRegistryEntry::getEntryId)
                    .containsExactly("pending-host:w1", "pending-host:w2", "pending-host:w3", "pending-host:w4",
                            "pending-host:w5", "pending-host:w6");
            center.drain();
            assertThat(center.alerts).extracting(a -> a.getReason()).containsExactly(RefusalReason.WRONG_HOST,
                    RefusalReason.BINDING_MISMATCH, RefusalReason.EXPIRED, RefusalReason.EXPIRED,
                    RefusalReason.UNKNOWN_SIGNER, RefusalReason.SIGNATURE_INVALID);
            assertThat(center.alerts).extracting(a -> a.getHostId())
                    .containsExactly("w1", "w2", "w3", "w4", "w5", "w6");
            assertThat(center.deadLetters).as("the enrollments themselves are valid, and pending").isEmpty();
        }
    }
}
