package io.vmigrate.faultrun.invariants;

import static io.vmigrate.faultrun.invariants.Records.binding;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VmOnExactlyOneHostCheckTest {

    static final Map<String, InventoryRecord> BINDINGS = InventoryRecord.current(List.of(
            binding(0, "vm-a", "h1", 0, null, 0), binding(1, "vm-b", "h2", 0, null, 0), binding(2, "vm-b", "h3", 1, "m1", 5)));

    static PerHost<String> disks(Map<String, List<String>> byHost) {
        return new PerHost<>(byHost, Map.of());
    }

    @Test
    void everyVmOnTheHostItsBindingNamesHolds() {
        var result = VmOnExactlyOneHostCheck.check(disks(Map.of("h1", List.of("vm-a"), "h2", List.of(), "h3", List.of("vm-b"))),
                BINDINGS);

        assertThat(result.holds()).isTrue();
        assertThat(result.summary()).isEqualTo("2 VMs on 3 hosts, 2 bindings");
    }

    @Test
    void aVmOnTwoHostsIsNamedWithBothAndItsBinding() {
        var result = VmOnExactlyOneHostCheck.check(disks(Map.of("h1", List.of("vm-a"), "h2", List.of("vm-b"),
                "h3", List.of("vm-b"))), BINDINGS);

        assertThat(result.violations()).singleElement().satisfies(v -> {
            assertThat(v.detail()).isEqualTo("VM vm-b exists on 2 hosts [h2, h3]; its binding names h3");
            assertThat(v.evidence()).containsExactly("hypervisor/h2/vms/vm-b", "hypervisor/h3/vms/vm-b",
                    "binding at vm.inventory/0@2");
        });
    }

    @Test
    void aVmOnTheWrongHostAnUnboundVmAndABoundVmOnNoDiskAreEachNamed() {
        var result = VmOnExactlyOneHostCheck.check(disks(Map.of("h1", List.of(), "h2", List.of("vm-b", "vm-c"))), BINDINGS);

        assertThat(result.violations()).extracting(Violation::detail).containsExactly(
                "VM vm-a is bound to host h1 (epoch 0) but exists on no host",
                "VM vm-b exists on host h2 but its binding names host h3 (epoch 1)",
                "VM vm-c exists on host h2 but has no binding on vm.inventory");
    }

    @Test
    void aHostWhoseDiskCannotBeReadIsAViolation() {
        var result = VmOnExactlyOneHostCheck.check(new PerHost<>(Map.of("h1", List.of("vm-a"), "h3", List.of("vm-b")),
                Map.of("h2", "permission denied")), BINDINGS);

        assertThat(result.violations()).extracting(Violation::detail)
                .containsExactly("cannot read the VMs of host h2: permission denied");
    }
}
