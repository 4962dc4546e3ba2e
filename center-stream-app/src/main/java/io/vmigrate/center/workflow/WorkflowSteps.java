package io.vmigrate.center.workflow;

import io.vmigrate.schema.workflow.MigrationSteps;
import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.common.Binding;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The multi-effect steps of PROTOCOL.md that more than one event leads to (deliver the key, commit,
 * deregister, finish, abort). Guards stay with the events in {@link MigrationMachine}; only the
 * checks that make a step turn into an abort live here.
 */
final class WorkflowSteps {

    /** The {@code vm-keys} store key of the VM key of {@code epoch}. */
    public static String vmKeyId(String vmId, long epoch) {
        return vmId + "@" + epoch;
    }


    private final VmKeyMint keys;

    WorkflowSteps(VmKeyMint keys) {
        this.keys = keys;
    }

    /**
     * s32-s34: mints the VM key of the new epoch, keeps it under the KEK, sends it wrapped to the
     * destination secure zone. Aborts if the destination is no longer enrolled.
     */
    void deliverKey(Draft draft, String triggeringMessageId) {
        MigrationState state = draft.state();
        String destination = state.getDestinationHostId();
        long epoch = state.getNewEpoch();
        Optional<MintedVmKey> minted = keys.mint(state.getMigrationId(), state.getVmId(), epoch, destination, draft.now());
        if (minted.isEmpty()) {
            abort(draft, RefusalReason.DESTINATION_NOT_ENROLLED, "destination " + destination + " is not enrolled",
                    triggeringMessageId);
            return;
        }
        MintedVmKey key = minted.get();
        draft.add(new Effect.StoreVmKey(vmKeyId(state.getVmId(), epoch), key.vaulted()));
        Binding binding = Binding.newBuilder()
                .setVmId(state.getVmId())
                .setHostId(destination)
                .setKeyFingerprint(key.fingerprint())
                .setEpoch(epoch)
                .setMigrationId(state.getRegistration() ? null : state.getMigrationId())
                .build();
        DeliverVmKey body = DeliverVmKey.newBuilder()
                .setMigrationId(state.getMigrationId())
                .setBinding(binding)
                .setVmPublicKey(key.vaulted().getVmPublicKey())
                .setWrappedPrivateKey(key.wrappedForHost())
                .build();
        String sent = draft.send(destination, epoch, body);
        state.setNewKeyFingerprint(key.fingerprint());
        draft.transition(MigrationStep.KEY_DELIVERED, AuditNote.key(epoch, key.fingerprint(), sent));
    }

    /** s36: the binding moves to the destination with the new epoch and key; then the source is told to deregister. */
    void commit(Draft draft, VmInventoryEntry current, String triggeringMessageId) {
        MigrationState state = draft.state();
        if (current == null || current.getBinding().getEpoch() != state.getPreviousEpoch()) {
            abort(draft, RefusalReason.BINDING_MISMATCH, "binding changed while the migration was in flight",
                    triggeringMessageId);
            return;
        }
        draft.add(new Effect.CommitBinding(inventoryEntry(draft, state.getMigrationId(), current.getVmName())));
        draft.transition(MigrationStep.COMMITTED,
                AuditNote.key(state.getNewEpoch(), state.getNewKeyFingerprint(), triggeringMessageId));
        sendDeregister(draft, false);
    }

    /** Registration: the host installed the epoch-0 key, so the VM's first binding is recorded. */
    void commitRegistration(Draft draft, VmRegistrationRequested registration, String triggeringMessageId) {
        MigrationState state = draft.state();
        draft.add(new Effect.CommitBinding(inventoryEntry(draft, null, registration == null ? "" : registration.getVmName())));
        draft.add(new Effect.ReleaseRegistration(state.getVmId()));
        AuditNote note = AuditNote.key(state.getNewEpoch(), state.getNewKeyFingerprint(), triggeringMessageId);
        draft.transition(MigrationStep.COMMITTED, note);
        draft.transition(MigrationStep.DONE, note);
    }

    /** s37: a fresh DeregisterVm envelope to the source; also used for retries. */
    void sendDeregister(Draft draft, boolean retry) {
        MigrationState state = draft.state();
        DeregisterVm body = DeregisterVm.newBuilder()
                .setMigrationId(state.getMigrationId())
                .setVmId(state.getVmId())
                .setEpoch(state.getNewEpoch())
                .setRetiredKeyFingerprint(state.getPreviousKeyFingerprint() == null ? "" : state.getPreviousKeyFingerprint())
                .build();
        String sent = draft.send(state.getSourceHostId(), state.getNewEpoch(), body);
        state.setDeregisterAttempts(state.getDeregisterAttempts() + 1);
        state.setLastDeregisterAt(draft.now());
        AuditNote note = new AuditNote(state.getNewEpoch(), state.getPreviousKeyFingerprint(), sent, null,
                retry ? "deregister retry " + state.getDeregisterAttempts() : null);
        if (retry) {
            draft.note(note);
        } else {
            draft.transition(MigrationStep.DEREGISTER_SENT, note);
        }
    }

    /** The source confirmed the deregistration: the old VM key is retired at the center too. */
    void done(Draft draft, String triggeringMessageId) {
        MigrationState state = draft.state();
        draft.transition(MigrationStep.DONE,
                AuditNote.key(state.getNewEpoch(), state.getNewKeyFingerprint(), triggeringMessageId));
        draft.add(new Effect.DropVmKey(vmKeyId(state.getVmId(), state.getPreviousEpoch())));
    }

    /**
     * Before commit only: both hosts are told to abort (for a registration there is nothing to undo
     * on the host), the binding stays as it is and a minted but uncommitted VM key is dropped. The
     * migration ends ABORTED at once; the abort is re-sent to each host until it acknowledges
     * ({@link #resendAbort}), and the VM is not moved again before both have.
     */
    void abort(Draft draft, RefusalReason reason, String detail, String triggeringMessageId) {
        MigrationState state = draft.state();
        if (MigrationSteps.isFinal(state) || MigrationSteps.isCommitted(state)) {
            throw new IllegalStateException("migration " + state.getMigrationId() + " cannot abort in step " + state.getStep());
        }
        state.setOutcomeReason(reason);
        state.setOutcomeDetail(detail);
        AuditNote note = AuditNote.refusal(reason, detail, triggeringMessageId);
        if (!state.getRegistration()) {
            state.setAbortPendingHosts(List.of(state.getSourceHostId(), state.getDestinationHostId()));
            sendAbortTo(draft, state.getAbortPendingHosts());
            draft.transition(MigrationStep.ABORTING, note);
        } else {
            draft.add(new Effect.ReleaseRegistration(state.getVmId()));
        }
        if (state.getNewKeyFingerprint() != null) {
            draft.add(new Effect.DropVmKey(vmKeyId(state.getVmId(), state.getNewEpoch())));
        }
        draft.transition(MigrationStep.ABORTED, note);
    }

    /** A fresh AbortMigration envelope to every host that has not acknowledged the abort yet. */
    void resendAbort(Draft draft) {
        MigrationState state = draft.state();
        List<String> sent = sendAbortTo(draft, state.getAbortPendingHosts());
        draft.note(new AuditNote(null, null, sent.isEmpty() ? null : sent.get(0), null,
                "abort retry " + (state.getAbortAttempts() - 1) + " to " + String.join(", ", state.getAbortPendingHosts())
                        + " (" + String.join(", ", sent) + ")"));
    }

    /** The host acknowledged the abort (or is no longer enrolled): nothing more is sent to it. */
    void abortSettled(Draft draft, String hostId) {
        MigrationState state = draft.state();
        List<String> pending = new ArrayList<>(state.getAbortPendingHosts());
        pending.remove(hostId);
        state.setAbortPendingHosts(pending);
    }

    private List<String> sendAbortTo(Draft draft, List<String> hosts) {
        MigrationState state = draft.state();
        List<String> sent = new ArrayList<>();
        for (String host : hosts) {
            boolean source = host.equals(state.getSourceHostId());
            AbortMigration body = AbortMigration.newBuilder()
                    .setMigrationId(state.getMigrationId())
                    .setVmId(state.getVmId())
                    .setRole(source ? HostRole.SOURCE : HostRole.DESTINATION)
                    .setReason(state.getOutcomeReason() == null ? RefusalReason.INTERNAL_ERROR : state.getOutcomeReason())
                    .setDetail(state.getOutcomeDetail() == null ? "" : state.getOutcomeDetail())
                    .build();
            sent.add(draft.send(host, source ? state.getPreviousEpoch() : state.getNewEpoch(), body));
        }
        state.setAbortAttempts(state.getAbortAttempts() + 1);
        state.setLastAbortAt(draft.now());
        return sent;
    }

    /** A reply that does not fit the migration's current step: audited, never acted on. */
    void ignore(Draft draft, VerifiedReply reply, String why) {
        draft.note(AuditNote.message(reply.messageId(), "ignored " + reply.type() + " from " + reply.hostId() + ": " + why));
    }

    private static VmInventoryEntry inventoryEntry(Draft draft, String migrationId, String vmName) {
        MigrationState state = draft.state();
        Binding binding = Binding.newBuilder()
                .setVmId(state.getVmId())
                .setHostId(state.getDestinationHostId())
                .setKeyFingerprint(state.getNewKeyFingerprint())
                .setEpoch(state.getNewEpoch())
                .setMigrationId(migrationId)
                .build();
        return VmInventoryEntry.newBuilder().setBinding(binding).setVmName(vmName).setUpdatedAt(draft.now()).build();
    }
}
