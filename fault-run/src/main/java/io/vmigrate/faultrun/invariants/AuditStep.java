package io.vmigrate.faultrun.invariants;

import io.vmigrate.forensics.RecordCoordinates;
import io.vmigrate.schema.common.MigrationStep;
import java.time.Instant;
import java.util.Objects;

/** One verified record of {@code migration.audit}: a step a migration reached, on the center's clock. */
public record AuditStep(RecordCoordinates at, String migrationId, long sequence, MigrationStep step, Instant recordedAt,
        String vmId, String sourceHostId, String destinationHostId) {

    public AuditStep {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(migrationId, "migrationId");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(recordedAt, "recordedAt");
        Objects.requireNonNull(vmId, "vmId");
    }

    public boolean ended() {
        return step == MigrationStep.DONE || step == MigrationStep.ABORTED;
    }
}
