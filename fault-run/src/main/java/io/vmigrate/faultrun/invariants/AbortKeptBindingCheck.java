package io.vmigrate.faultrun.invariants;

import io.vmigrate.forensics.BindingRow;
import io.vmigrate.schema.common.MigrationStep;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@link Invariant#ABORT_KEPT_BINDING}: an ABORTED migration wrote no binding (no {@code vm.inventory} entry names
 * it, no COMMITTED step), and its VM's binding when it ended is the one it had when it was requested. Both
 * instants are the center's clock (audit {@code recordedAt}, inventory {@code updatedAt}).
 */
public final class AbortKeptBindingCheck {

    private AbortKeptBindingCheck() {}

    public static InvariantResult check(List<AuditStep> audit, List<InventoryRecord> inventory) {
        Map<String, List<AuditStep>> chains = new TreeMap<>(audit.stream().collect(Collectors.groupingBy(AuditStep::migrationId)));
        Map<String, List<InventoryRecord>> historyOf = inventory.stream().filter(r -> !r.isTombstone())
                .collect(Collectors.groupingBy(InventoryRecord::vmId));
        List<Violation> violations = new ArrayList<>();
        int aborted = 0;
        int changed = 0;
        for (var entry : chains.entrySet()) {
            String migrationId = entry.getKey();
            List<AuditStep> chain = entry.getValue().stream().sorted(Comparator.comparingLong(AuditStep::sequence)).toList();
            Optional<AuditStep> abort = chain.stream().filter(s -> s.step() == MigrationStep.ABORTED).findFirst();
            if (abort.isEmpty()) {
                continue;
            }
            aborted++;
            int found = violations.size();
            String vm = abort.get().vmId();
            List<InventoryRecord> history = historyOf.getOrDefault(vm, List.of());
            chain.stream().filter(s -> s.step() == MigrationStep.COMMITTED).forEach(commit -> violations.add(violation(
                    "aborted migration " + migrationId + " of VM " + vm + " also committed", List.of("COMMITTED at " + commit.at(),
                            "ABORTED at " + abort.get().at()))));
            history.stream().filter(r -> migrationId.equals(r.binding().migrationId())).forEach(written -> violations.add(
                    violation("aborted migration " + migrationId + " wrote binding " + written.binding(),
                            List.of("inventory at " + written.at(), "ABORTED at " + abort.get().at()))));
            Instant requestedAt = chain.get(0).recordedAt();
            Optional<InventoryRecord> before = lastUntil(history, requestedAt);
            Optional<InventoryRecord> after = lastUntil(history, abort.get().recordedAt());
            if (!same(before, after)) {
                violations.add(violation("the binding of VM " + vm + " changed during aborted migration " + migrationId
                        + ": " + describe(before) + " when requested, " + describe(after) + " when aborted",
                        List.of(coordinates(before), coordinates(after), "ABORTED at " + abort.get().at())));
            }
            if (violations.size() > found) {
                changed++;
            }
        }
        return new InvariantResult(Invariant.ABORT_KEPT_BINDING, aborted + " aborted migrations checked, "
                + changed + " changed a binding", violations, List.of());
    }

    /**
     * The VM's last binding written no later than {@code instant}, in offset order. A binding written in the very
     * millisecond a migration was requested came before it: the center handles one VM's records one at a time.
     */
    private static Optional<InventoryRecord> lastUntil(List<InventoryRecord> history, Instant instant) {
        InventoryRecord last = null;
        for (InventoryRecord record : history) {
            if (!record.updatedAt().isAfter(instant)) {
                last = record;
            }
        }
        return Optional.ofNullable(last);
    }

    private static boolean same(Optional<InventoryRecord> a, Optional<InventoryRecord> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return a.isEmpty() && b.isEmpty();
        }
        BindingRow x = a.get().binding();
        return x.sameAs(b.get().binding());
    }

    private static String describe(Optional<InventoryRecord> record) {
        return record.map(r -> "binding " + r.binding()).orElse("no binding");
    }

    private static String coordinates(Optional<InventoryRecord> record) {
        return record.map(r -> "inventory at " + r.at()).orElse("no inventory record");
    }

    private static Violation violation(String detail, List<String> evidence) {
        return new Violation(Invariant.ABORT_KEPT_BINDING, detail, evidence);
    }
}
