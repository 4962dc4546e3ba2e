package io.vmigrate.center.workflow;

import io.vmigrate.schema.workflow.MigrationSteps;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The protocol's rules, checked on every outcome as it is carried out (effects in order) and on
 * the stores after each move. A migration id that is requested again (a re-sent registration or
 * rejected request) starts a new life here, as it starts a new state in the machine.
 */
final class ProtocolLedger {

    private final FakeCenter center;
    private final Map<String, List<MigrationStep>> reached = new HashMap<>();
    private final Map<String, MigrationStep> ended = new HashMap<>();
    private final Set<String> committed = new HashSet<>();
    private final Map<String, VmInventoryEntry> bindingAtRequest = new HashMap<>();
    private long boundEpoch = -1;

    ProtocolLedger(FakeCenter center) {
        this.center = center;
    }

    void check(Outcome outcome) {
        if (outcome.next() == null) {
            assertThat(outcome.effects()).as("an untouched migration gets no audit, command or store change")
                    .allMatch(e -> e instanceof Effect.Alert || e instanceof Effect.DeadLetterInput || e instanceof Effect.LogOnly
                            || e instanceof Effect.Reject);
            return;
        }
        MigrationState migration = outcome.next();
        String id = migration.getMigrationId();
        boolean restarts = outcome.effects(Effect.Audit.class).stream()
                .anyMatch(a -> a.transition() && a.step() == MigrationStep.REQUESTED);
        if (restarts) {
            restart(migration);
        }
        // The event that ends a migration may still clean up after its final step (drop the retired key).
        boolean endedBefore = ended.containsKey(id);
        for (Effect effect : outcome.effects()) {
            if (effect instanceof Effect.Audit audit && audit.transition()) {
                reach(migration, audit.step());
            } else if (effect instanceof Effect.SendCommand command) {
                sent(migration, command);
            } else if (effect instanceof Effect.CommitBinding binding) {
                bound(migration, binding.entry());
            } else if (effect instanceof Effect.StoreVmKey || effect instanceof Effect.DropVmKey
                    || effect instanceof Effect.HoldRegistration || effect instanceof Effect.ReleaseRegistration) {
                assertThat(endedBefore).as("no store change for %s after its final step", id).isFalse();
            }
        }
        if (ended.containsKey(id)) {
            assertThat(migration.getStep()).as("the state of %s stays in its final step", id).isEqualTo(ended.get(id));
        }
        if (ended.get(id) == MigrationStep.ABORTED) {
            assertThat(center.bindings.get(migration.getVmId())).as("abort of %s leaves the binding as it was", id)
                    .isEqualTo(bindingAtRequest.get(id));
        }
    }

    /** A new life of this id: whatever it did before is over. Requests never bind, so the binding now is the one before. */
    private void restart(MigrationState migration) {
        String id = migration.getMigrationId();
        reached.put(id, new ArrayList<>());
        ended.remove(id);
        committed.remove(id);
        VmInventoryEntry binding = center.bindings.get(migration.getVmId());
        bindingAtRequest.put(id, binding == null ? null : VmInventoryEntry.newBuilder(binding).build());
    }

    private void reach(MigrationState migration, MigrationStep step) {
        String id = migration.getMigrationId();
        assertThat(ended).as("%s reaches %s after its final step", id, step).doesNotContainKey(id);
        List<MigrationStep> before = reached.get(id);
        assertThat(before).as("%s reaches %s without a request", id, step).isNotNull();
        switch (step) {
            case COMMITTED -> {
                assertThat(before).as("%s commits only an installed key", id).contains(MigrationStep.KEY_INSTALLED);
                if (!migration.getRegistration()) {
                    assertThat(before).as("%s commits only after the completion report", id)
                            .contains(MigrationStep.ATTESTATION_FORWARDED, MigrationStep.COMPLETION_REPORTED);
                    assertThat(center.now).as("%s commits no later than its deadline", id)
                            .isBeforeOrEqualTo(migration.getDeadline());
                }
                committed.add(id);
            }
            case ABORTING, ABORTED -> assertThat(committed).as("%s aborts after its commit", id).doesNotContain(id);
            case DONE -> assertThat(committed).as("%s is done without a commit", id).contains(id);
            default -> { }
        }
        if (MigrationSteps.isFinal(stateIn(step))) {
            ended.put(id, step);
        }
        before.add(step);
    }

    private void sent(MigrationState migration, Effect.SendCommand command) {
        String id = migration.getMigrationId();
        if (command.body() instanceof AbortMigration) {
            // An abort is re-sent after ABORTED, only to a host that has not acknowledged it.
            assertThat(migration.getAbortPendingHosts()).as("%s re-sends its abort only to a host yet to acknowledge", id)
                    .contains(command.hostId());
        } else {
            assertThat(ended).as("%s sends a command after its final step", id).doesNotContainKey(id);
        }
        assertThat(command.hostId()).as("commands of %s go to its hosts only", id)
                .isIn(migration.getSourceHostId(), migration.getDestinationHostId());
        assertThat(command.bindingEpoch()).isIn(migration.getPreviousEpoch(), migration.getNewEpoch());
        if (command.body() instanceof DeregisterVm) {
            assertThat(committed).as("%s deregisters before its commit", id).contains(id);
        }
        if (command.body() instanceof DeliverVmKey delivery) {
            assertThat(delivery.getBinding().getEpoch()).as("a delivered key is for the next epoch")
                    .isEqualTo(migration.getNewEpoch()).isEqualTo(boundEpoch + 1);
        }
    }

    private void bound(MigrationState migration, VmInventoryEntry entry) {
        String id = migration.getMigrationId();
        assertThat(ended).as("%s binds after its final step", id).doesNotContainKey(id);
        assertThat(entry.getBinding().getEpoch()).as("epochs only grow, one at a time").isEqualTo(boundEpoch + 1);
        assertThat(entry.getBinding().getHostId()).isEqualTo(migration.getDestinationHostId());
        assertThat(entry.getBinding().getKeyFingerprint()).isEqualTo(migration.getNewKeyFingerprint());
        boundEpoch = entry.getBinding().getEpoch();
    }

    /** After each move: one binding per VM, and VM keys only of the bound epoch and the migration in flight. */
    void checkStores() {
        VmInventoryEntry binding = center.bindings.get(ProtocolWorld.VM);
        assertThat(center.bindings.keySet()).isSubsetOf(Set.of(ProtocolWorld.VM));
        assertThat(binding == null ? -1 : binding.getBinding().getEpoch()).isEqualTo(boundEpoch);
        MigrationState current = center.migrations.get(ProtocolWorld.VM);
        Set<String> allowed = new HashSet<>();
        allowed.add(WorkflowSteps.vmKeyId(ProtocolWorld.VM, boundEpoch));
        if (MigrationSteps.isInFlight(current)) {
            allowed.add(WorkflowSteps.vmKeyId(ProtocolWorld.VM, current.getPreviousEpoch()));
            allowed.add(WorkflowSteps.vmKeyId(ProtocolWorld.VM, current.getNewEpoch()));
        }
        assertThat(center.vmKeys.keySet()).as("VM keys held").isSubsetOf(allowed);
        if (current != null && MigrationSteps.isFinal(current)) {
            assertThat(ended.get(current.getMigrationId())).as("a migration that ended ends in exactly one final step")
                    .isEqualTo(current.getStep());
            assertThat(reached.get(current.getMigrationId()).stream().filter(s -> MigrationSteps.isFinal(stateIn(s))))
                    .hasSize(1);
        }
    }

    private static MigrationState stateIn(MigrationStep step) {
        MigrationState probe = new MigrationState();
        probe.setStep(step);
        return probe;
    }
}
