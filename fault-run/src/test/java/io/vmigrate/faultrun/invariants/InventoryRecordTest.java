package io.vmigrate.faultrun.invariants;

import static io.vmigrate.faultrun.invariants.Records.binding;
import static io.vmigrate.faultrun.invariants.Records.tombstone;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class InventoryRecordTest {

    @Test
    void theCurrentBindingIsEachVmsLastRecordAndATombstoneRemovesIt() {
        var current = InventoryRecord.current(List.of(binding(0, "vm-a", "h1", 0, null, 0), binding(1, "vm-b", "h2", 0, null, 0),
                binding(2, "vm-a", "h3", 1, "m1", 5), tombstone(3, "vm-b")));

        assertThat(current).containsOnlyKeys("vm-a");
        assertThat(current.get("vm-a").binding().hostId()).isEqualTo("h3");
        assertThat(current.get("vm-a").at().offset()).isEqualTo(2);
    }
}
