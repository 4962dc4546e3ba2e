package io.vmigrate.center;

import io.vmigrate.schema.audit.AuditChain;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CenterTopologyRejectionTest {

    @TempDir
    Path dir;
    CenterHarness center;

    @BeforeEach
    void threeHostsAndOneVm() throws Exception {
        center = new CenterHarness(Suite.INTL, dir);
        SimulatedHost h1 = center.enrolledHost("h1");
        center.enrolledHost("h2");
        center.enrolledHost("h3");
        center.register("vm1", h1);
    }

    @AfterEach
    void close() {
        center.close();
    }

    private MigrationRejected rejection(String migrationId) throws Exception {
        List<MigrationRejected> rejections = center.rejectionsTopic.readValuesToList();
        assertThat(rejections).hasSize(1);
        MigrationRejected rejected = rejections.get(0);
        assertThat(rejected.getMigrationId()).isEqualTo(migrationId);
        List<AuditRecord> trail = center.audit(migrationId);
        assertThat(trail).extracting(AuditRecord::getStep).containsExactly(MigrationStep.REQUESTED, MigrationStep.REJECTED);
        assertThat(trail.get(1).getReason()).isEqualTo(rejected.getReason());
        AuditChain.verify(trail, center.centerVerifier, io.vmigrate.trust.CryptoSuites.get(Suite.INTL).digest());
        for (String host : List.of("h1", "h2", "h3")) {
            assertThat(center.commands(host)).as("no command for a rejected request").isEmpty();
        }
        return rejected;
    }

    @Test
    void unknownVm() throws Exception {
        center.request("m1", "vm-nobody-knows", "h1", "h2");
        assertThat(rejection("m1").getReason()).isEqualTo(RefusalReason.VM_UNKNOWN);
    }

    @Test
    void vmNotBoundToSource() throws Exception {
        center.request("m1", "vm1", "h2", "h3");
        assertThat(rejection("m1").getReason()).isEqualTo(RefusalReason.VM_NOT_BOUND_TO_SOURCE);
        assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.REJECTED);
    }

    @Test
    void destinationNotEnrolled() throws Exception {
        center.request("m1", "vm1", "h1", "h9");
        assertThat(rejection("m1").getReason()).isEqualTo(RefusalReason.DESTINATION_NOT_ENROLLED);
    }

    @Test
    void sameSourceAndDestination() throws Exception {
        center.request("m1", "vm1", "h1", "h1");
        assertThat(rejection("m1").getReason()).isEqualTo(RefusalReason.SAME_SOURCE_AND_DESTINATION);
    }

    @Test
    void migrationInFlight() throws Exception {
        center.request("m1", "vm1", "h1", "h2");
        assertThat(center.commands("h1")).hasSize(1);
        assertThat(center.commands("h2")).hasSize(1);
        center.request("m2", "vm1", "h1", "h3");
        assertThat(rejection("m2").getReason()).isEqualTo(RefusalReason.MIGRATION_IN_FLIGHT);
        assertThat(center.state("vm1").getMigrationId()).as("the in-flight migration is untouched").isEqualTo("m1");
        assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.COMMANDED);
    }

    @Test
    void theSameRequestAgainIsNotASecondMigration() throws Exception {
        center.request("m1", "vm1", "h1", "h2");
        center.request("m1", "vm1", "h1", "h2");
        assertThat(center.commands("h1")).hasSize(1);
        assertThat(center.commands("h2")).hasSize(1);
        assertThat(center.rejectionsTopic.readValuesToList()).isEmpty();
        assertThat(center.audit("m1")).extracting(AuditRecord::getStep)
                .containsExactly(MigrationStep.REQUESTED, MigrationStep.COMMANDED, MigrationStep.COMMANDED);
    }
}
