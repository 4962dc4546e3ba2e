package io.vmigrate.faultrun;

import io.vmigrate.schema.common.MigrationStep;
import java.time.Instant;

/** How one requested migration ended, as the run saw it on the audit (for throughput and recovery figures only). */
public record MigrationEnd(RequestedMigration migration, MigrationStep step, String reason, Instant seenAt) {

    public boolean touches(String hostId) {
        return migration.source().equals(hostId) || migration.destination().equals(hostId);
    }
}
