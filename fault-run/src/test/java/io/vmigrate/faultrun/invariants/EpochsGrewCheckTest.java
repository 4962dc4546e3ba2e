package io.vmigrate.faultrun.invariants;

import static io.vmigrate.faultrun.invariants.Records.binding;
import static io.vmigrate.faultrun.invariants.Records.tombstone;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.faultrun.InjectedDuplicate;
import io.vmigrate.schema.topic.Topics;
import java.util.List;
import org.junit.jupiter.api.Test;

class EpochsGrewCheckTest {

    @Test
    void growingEpochsHoldAndAreCounted() {
        var result = EpochsGrewCheck.check(List.of(binding(0, "vm-a", "h1", 0, null, 0), binding(1, "vm-b", "h1", 0, null, 0),
                binding(2, "vm-a", "h2", 1, "m1", 5), tombstone(3, "vm-c"), binding(4, "vm-a", "h3", 2, "m2", 9)), List.of());

        assertThat(result.holds()).isTrue();
        assertThat(result.summary()).isEqualTo("4 bindings of 2 VMs, highest epoch 2; 0 did not grow");
    }

    @Test
    void anEpochThatDoesNotGrowIsNamedWithBothRecords() {
        var result = EpochsGrewCheck.check(List.of(binding(0, "vm-a", "h1", 0, null, 0), binding(1, "vm-a", "h2", 2, "m1", 5),
                binding(2, "vm-a", "h3", 1, "m2", 9)), List.of());

        assertThat(result.violations()).singleElement().satisfies(v -> {
            assertThat(v.detail()).startsWith("VM vm-a has epoch 1 ").endsWith("after epoch 2");
            assertThat(v.evidence()).containsExactly("epoch 2 at vm.inventory/0@1", "epoch 1 at vm.inventory/0@2");
        });
    }

    @Test
    void anEqualRepeatIsExcusedOnlyAtAnInjectedDuplicatesCoordinates() {
        var history = List.of(binding(0, "vm-a", "h1", 0, null, 0), binding(1, "vm-a", "h1", 0, null, 0));

        assertThat(EpochsGrewCheck.check(history, List.of()).violations()).hasSize(1);
        var excused = EpochsGrewCheck.check(history, List.of(new InjectedDuplicate(Topics.VM_INVENTORY, 0, 1, Topics.VM_INVENTORY, 0, 0)));
        assertThat(excused.holds()).isTrue();
        assertThat(excused.notes()).singleElement().asString().startsWith("injected duplicate: binding vm-a on h1 epoch 0")
                .endsWith("at vm.inventory/0@1");
    }

    @Test
    void anInjectedCopyThatDiffersFromTheBindingBeforeItIsNotExcused() {
        var result = EpochsGrewCheck.check(List.of(binding(0, "vm-a", "h1", 1, "m1", 0), binding(1, "vm-a", "h2", 1, "m1", 0)),
                List.of(new InjectedDuplicate(Topics.VM_INVENTORY, 0, 1, Topics.VM_INVENTORY, 0, 0)));

        assertThat(result.violations()).hasSize(1);
    }

    @Test
    void bindingsOfOneVmOnTwoPartitionsHaveNoOrder() {
        var result = EpochsGrewCheck.check(List.of(binding(0, 0, "vm-a", "h1", 0, null, 0), binding(1, 0, "vm-a", "h2", 1, "m1", 5)),
                List.of());

        assertThat(result.violations()).singleElement().satisfies(v -> assertThat(v.detail())
                .isEqualTo("the bindings of VM vm-a are on partitions [0, 1] of vm.inventory, so they have no order"));
    }
}
