package io.vmigrate.faultrun.invariants;

import io.vmigrate.forensics.BindingRow;
import io.vmigrate.forensics.RecordCoordinates;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One record of {@code vm.inventory} as the center wrote it: a VM's binding at {@code updatedAt} (the
 * center's clock), or a tombstone ({@code binding} and {@code updatedAt} null).
 */
public record InventoryRecord(RecordCoordinates at, String vmId, BindingRow binding, Instant updatedAt) {

    public InventoryRecord {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(vmId, "vmId");
    }

    public boolean isTombstone() {
        return binding == null;
    }

    /**
     * The current binding of every VM: its last record in read (offset) order, as a compacted topic keeps
     * it; a tombstone removes the VM.
     */
    public static Map<String, InventoryRecord> current(List<InventoryRecord> history) {
        Map<String, InventoryRecord> current = new TreeMap<>();
        for (InventoryRecord record : history) {
            if (record.isTombstone()) {
                current.remove(record.vmId());
            } else {
                current.put(record.vmId(), record);
            }
        }
        return current;
    }
}
