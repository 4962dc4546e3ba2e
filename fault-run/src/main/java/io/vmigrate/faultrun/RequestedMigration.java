package io.vmigrate.faultrun;

import java.time.Instant;
import java.util.Objects;

/** A migration the run asked for: what the invariants hold each outcome against. */
public record RequestedMigration(String migrationId, String vmId, String source, String destination,
        Instant requestedAt, Instant deadline) {

    public RequestedMigration {
        Objects.requireNonNull(migrationId, "migrationId");
        Objects.requireNonNull(vmId, "vmId");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(requestedAt, "requestedAt");
        Objects.requireNonNull(deadline, "deadline");
    }
}
