package io.vmigrate.faultrun.invariants;

import io.vmigrate.forensics.RecordCoordinates;
import java.time.Instant;
import java.util.Objects;

/**
 * One record of {@code migration.rejections}; {@code ofMigrationRequest} is false when what was refused is
 * another request about that migration (an abort, say), which does not end it.
 */
public record RecordedRejection(RecordCoordinates at, String migrationId, String vmId, boolean ofMigrationRequest,
        Instant rejectedAt, String reason) {

    public RecordedRejection {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(migrationId, "migrationId");
        Objects.requireNonNull(vmId, "vmId");
        Objects.requireNonNull(rejectedAt, "rejectedAt");
        Objects.requireNonNull(reason, "reason");
    }
}
