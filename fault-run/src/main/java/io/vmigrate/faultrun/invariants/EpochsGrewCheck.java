package io.vmigrate.faultrun.invariants;

import io.vmigrate.faultrun.InjectedDuplicate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@link Invariant#EPOCHS_GREW}: each VM's bindings on {@code vm.inventory}, its whole history in offset order,
 * have strictly growing epochs. Only an exact copy produced on purpose (an {@link InjectedDuplicate}) may repeat
 * the binding before it. A VM whose bindings sit on more than one partition has no order, so it is a violation.
 */
public final class EpochsGrewCheck {

    private EpochsGrewCheck() {}

    /** {@code inventory} in read order: partition by partition, offsets ascending. */
    public static InvariantResult check(List<InventoryRecord> inventory, List<InjectedDuplicate> duplicates) {
        Map<String, List<InventoryRecord>> historyOf = new LinkedHashMap<>();
        inventory.stream().filter(r -> !r.isTombstone())
                .forEach(r -> historyOf.computeIfAbsent(r.vmId(), vm -> new ArrayList<>()).add(r));
        List<Violation> violations = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        long highest = -1;
        int bindings = 0;
        for (var entry : historyOf.entrySet()) {
            String vm = entry.getKey();
            List<InventoryRecord> history = entry.getValue();
            bindings += history.size();
            TreeSet<Integer> partitions = new TreeSet<>();
            history.forEach(r -> partitions.add(r.at().partition()));
            if (partitions.size() > 1) {
                violations.add(new Violation(Invariant.EPOCHS_GREW, "the bindings of VM " + vm + " are on partitions "
                        + partitions + " of vm.inventory, so they have no order", history.stream()
                        .map(r -> "epoch " + r.binding().epoch() + " at " + r.at()).toList()));
                continue;
            }
            InventoryRecord previous = null;
            for (InventoryRecord record : history) {
                highest = Math.max(highest, record.binding().epoch());
                if (previous != null && record.binding().epoch() <= previous.binding().epoch()) {
                    if (isInjected(record, duplicates) && record.binding().sameAs(previous.binding())) {
                        notes.add("injected duplicate: binding " + record.binding() + " at " + record.at());
                        continue;
                    }
                    violations.add(new Violation(Invariant.EPOCHS_GREW, "VM " + vm + " has epoch " + record.binding().epoch()
                            + " (" + record.binding() + ") after epoch " + previous.binding().epoch(),
                            List.of("epoch " + previous.binding().epoch() + " at " + previous.at(),
                                    "epoch " + record.binding().epoch() + " at " + record.at())));
                }
                previous = record;
            }
        }
        String summary = bindings + " bindings of " + historyOf.size() + " VMs"
                + (highest < 0 ? "" : ", highest epoch " + highest) + "; " + violations.size() + " did not grow";
        return new InvariantResult(Invariant.EPOCHS_GREW, summary, violations, notes);
    }

    private static boolean isInjected(InventoryRecord record, List<InjectedDuplicate> duplicates) {
        return duplicates.stream().anyMatch(d -> d.isAt(record.at().topic(), record.at().partition(), record.at().offset()));
    }
}
