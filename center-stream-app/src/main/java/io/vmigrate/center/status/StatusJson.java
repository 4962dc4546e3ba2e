package io.vmigrate.center.status;

import io.vmigrate.schema.workflow.MigrationSteps;
import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.common.Binding;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes of the status API, as ordered maps (field order is part of the documented output).
 * Fingerprints and ids only: a {@link MigrationState} holds no key material, and none is added here.
 */
public final class StatusJson {

    private StatusJson() {}

    /** A migration: hosts, current step, outcome, each step's time (ordered by time), epoch and new key fingerprint. */
    public static Map<String, Object> migration(MigrationState state) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("migrationId", state.getMigrationId());
        json.put("vmId", state.getVmId());
        json.put("sourceHostId", state.getSourceHostId());
        json.put("destinationHostId", state.getDestinationHostId());
        json.put("registration", state.getRegistration());
        json.put("requestedBy", state.getRequestedBy());
        json.put("step", state.getStep().name());
        json.put("outcome", isOutcome(state.getStep()) ? state.getStep().name() : null);
        json.put("reason", state.getOutcomeReason() == null ? null : state.getOutcomeReason().name());
        json.put("detail", state.getOutcomeDetail());
        json.put("requestedAt", state.getRequestedAt().toString());
        json.put("deadline", state.getDeadline().toString());
        List<Map<String, Object>> steps = new ArrayList<>();
        state.getStepTimes().entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue()
                        .thenComparing(e -> MigrationStep.valueOf(e.getKey()).ordinal()))
                .forEach(e -> {
                    Map<String, Object> step = new LinkedHashMap<>();
                    step.put("step", e.getKey());
                    step.put("at", Instant.ofEpochMilli(e.getValue()).toString());
                    steps.add(step);
                });
        json.put("steps", steps);
        json.put("previousEpoch", state.getPreviousEpoch());
        json.put("epoch", state.getNewEpoch());
        json.put("keyFingerprint", state.getNewKeyFingerprint());
        return json;
    }

    /** A VM's committed binding. */
    public static Map<String, Object> binding(VmInventoryEntry entry) {
        Binding binding = entry.getBinding();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("vmId", binding.getVmId());
        json.put("vmName", entry.getVmName());
        json.put("hostId", binding.getHostId());
        json.put("epoch", binding.getEpoch());
        json.put("keyFingerprint", binding.getKeyFingerprint());
        json.put("updatedAt", entry.getUpdatedAt().toString());
        json.put("migrationId", binding.getMigrationId());
        return json;
    }

    public static Map<String, Object> error(String message) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("error", message);
        return json;
    }

    static boolean isOutcome(MigrationStep step) {
        return MigrationSteps.isFinal(step);
    }

    /** Migrations by request time, then id (so that equal times still give one order). */
    static final Comparator<Map<String, Object>> BY_REQUESTED_AT = Comparator
            .comparing((Map<String, Object> m) -> Instant.parse(String.valueOf(m.get("requestedAt"))))
            .thenComparing(m -> String.valueOf(m.get("migrationId")));

    static final Comparator<Map<String, Object>> BY_VM_ID = Comparator.comparing(m -> String.valueOf(m.get("vmId")));
}
