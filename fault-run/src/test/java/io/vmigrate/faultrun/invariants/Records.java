package io.vmigrate.faultrun.invariants;

import io.vmigrate.forensics.BindingRow;
import io.vmigrate.forensics.RecordCoordinates;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.topic.Topics;
import java.time.Instant;

/** In-memory records of the topics the checks read, for the checks' unit tests. */
final class Records {

    static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    private Records() {}

    static Instant at(int seconds) {
        return T0.plusSeconds(seconds);
    }

    static InventoryRecord binding(long offset, String vm, String host, long epoch, String migrationId, int second) {
        return binding(0, offset, vm, host, epoch, migrationId, second);
    }

    static InventoryRecord binding(int partition, long offset, String vm, String host, long epoch, String migrationId,
            int second) {
        return new InventoryRecord(new RecordCoordinates(Topics.VM_INVENTORY, partition, offset), vm,
                new BindingRow(vm, host, epoch, "key-" + vm + "-" + epoch, migrationId), at(second));
    }

    static InventoryRecord tombstone(long offset, String vm) {
        return new InventoryRecord(new RecordCoordinates(Topics.VM_INVENTORY, 0, offset), vm, null, null);
    }

    static AuditStep step(long offset, String migrationId, long sequence, MigrationStep step, int second, String vm) {
        return new AuditStep(new RecordCoordinates(Topics.MIGRATION_AUDIT, 0, offset), migrationId, sequence, step, at(second),
                vm, "h1", "h2");
    }
}
