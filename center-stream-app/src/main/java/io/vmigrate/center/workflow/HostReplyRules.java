package io.vmigrate.center.workflow;

import io.vmigrate.schema.envelope.MessageCatalogue;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.workflow.MigrationSteps;
import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.command.ForwardedVmAttestation;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.reply.AbortAcknowledged;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.reply.VmDeregistered;

/**
 * What each verified host reply means in the step the migration is in (s31-s37), for a reply that
 * names the VM's current migration and comes from the right party. Late or duplicate replies are
 * audited and ignored, never acted on twice; nothing but an abort acknowledgement is looked at
 * after a final step.
 */
final class HostReplyRules {

    private final WorkflowSteps steps;

    HostReplyRules(WorkflowSteps steps) {
        this.steps = steps;
    }

    /** The catalogue says which role may send each reply; the host must play that role in this migration. */
    static boolean fromTheRightParty(MigrationState state, VerifiedReply reply) {
        String host = reply.hostId();
        for (HostRole role : MessageCatalogue.hostRolesOf(reply.type())) {
            String expected = switch (role) {
                case SOURCE -> state.getSourceHostId();
                case DESTINATION -> state.getDestinationHostId();
            };
            if (host.equals(expected)) {
                return true;
            }
        }
        return false;
    }

    void apply(Draft draft, VmFacts facts, VerifiedReply reply) {
        MigrationState state = draft.state();
        if (MigrationSteps.isFinal(state) && reply.type() != MessageType.ABORT_ACKNOWLEDGED) {
            steps.ignore(draft, reply, "migration already ended in " + state.getStep());
            return;
        }
        switch (reply.type()) {
            case TARGET_VM_CREATED -> onTargetVmCreated(draft, reply);
            case KEY_INSTALL_REPLY -> onKeyInstallReply(draft, facts, reply, reply.body(KeyInstallReply.class));
            case VM_ATTESTATION -> onVmAttestation(draft, reply, reply.body(VmAttestation.class));
            case MIGRATION_COMPLETED -> onMigrationCompleted(draft, facts, reply, reply.body(MigrationCompleted.class));
            case VM_DEREGISTERED -> onVmDeregistered(draft, reply, reply.body(VmDeregistered.class));
            case COMMAND_REFUSED -> onCommandRefused(draft, reply, reply.body(CommandRefused.class));
            case ABORT_ACKNOWLEDGED -> onAbortAcknowledged(draft, reply, reply.body(AbortAcknowledged.class));
            default -> steps.ignore(draft, reply, "not a reply type");
        }
    }

    private void onTargetVmCreated(Draft draft, VerifiedReply reply) {
        MigrationState state = draft.state();
        // The source's branch (migrate-out, attestation) runs in parallel with the destination's, so the
        // target may be reported after the attestation was already received and forwarded.
        if (state.getRegistration() || state.getTargetCreated() || MigrationSteps.isCommitted(state)
                || state.getStep() == MigrationStep.REQUESTED) {
            steps.ignore(draft, reply, "target already created or not expected in step " + state.getStep());
            return;
        }
        state.setTargetCreated(true);
        draft.transition(MigrationStep.TARGET_CREATED, AuditNote.message(reply.messageId(), null));
        steps.deliverKey(draft, reply.messageId());
    }

    private void onKeyInstallReply(Draft draft, VmFacts facts, VerifiedReply reply, KeyInstallReply body) {
        MigrationState state = draft.state();
        if (state.getKeyInstalled() || state.getNewKeyFingerprint() == null || MigrationSteps.isCommitted(state)) {
            steps.ignore(draft, reply, "no key delivery awaits an answer");
            return;
        }
        if (body.getOutcome() == KeyInstallOutcome.FAILED) {
            RefusalReason reason = body.getReason() == null ? RefusalReason.INTERNAL_ERROR : body.getReason();
            steps.abort(draft, reason, "destination " + reply.hostId() + " failed to install the VM key: "
                    + body.getDetail(), reply.messageId());
            return;
        }
        if (body.getEpoch() != state.getNewEpoch() || !body.getKeyFingerprint().equals(state.getNewKeyFingerprint())) {
            steps.abort(draft, RefusalReason.BINDING_MISMATCH, "destination installed key " + body.getKeyFingerprint()
                    + " epoch " + body.getEpoch() + ", not the delivered one", reply.messageId());
            return;
        }
        state.setKeyInstalled(true);
        draft.transition(MigrationStep.KEY_INSTALLED,
                AuditNote.key(body.getEpoch(), body.getKeyFingerprint(), reply.messageId()));
        if (state.getRegistration()) {
            steps.commitRegistration(draft, facts.pendingRegistration(), reply.messageId());
        }
    }

    private void onVmAttestation(Draft draft, VerifiedReply reply, VmAttestation body) {
        MigrationState state = draft.state();
        if (state.getRegistration() || state.getAttestationVerified() || MigrationSteps.isCommitted(state)
                || state.getStep() == MigrationStep.REQUESTED) {
            steps.ignore(draft, reply, "no attestation expected in step " + state.getStep());
            return;
        }
        // The adapter verified the source secure zone's signature; the party check made sure it is the source.
        state.setAttestationVerified(true);
        draft.transition(MigrationStep.ATTESTATION_RECEIVED, AuditNote.message(reply.messageId(), null));
        ForwardedVmAttestation forwarded = ForwardedVmAttestation.newBuilder()
                .setMigrationId(state.getMigrationId())
                .setVmId(state.getVmId())
                .setSourceHostId(state.getSourceHostId())
                .setDescriptionDigest(body.getDescriptionDigest())
                .setImageManifestDigest(body.getImageManifestDigest())
                .setSourceAttestationMessageId(reply.messageId())
                .build();
        String sent = draft.send(state.getDestinationHostId(), state.getNewEpoch(), forwarded);
        draft.transition(MigrationStep.ATTESTATION_FORWARDED, AuditNote.message(sent, null));
    }

    private void onMigrationCompleted(Draft draft, VmFacts facts, VerifiedReply reply, MigrationCompleted body) {
        MigrationState state = draft.state();
        if (state.getRegistration() || state.getCompletionReported() || MigrationSteps.isCommitted(state)) {
            steps.ignore(draft, reply, "completion already reported or not expected");
            return;
        }
        if (!state.getKeyInstalled() || !state.getAttestationVerified()) {
            steps.ignore(draft, reply, "completion before key installed and attestation forwarded");
            return;
        }
        if (body.getEpoch() != state.getNewEpoch() || !body.getKeyFingerprint().equals(state.getNewKeyFingerprint())) {
            steps.abort(draft, RefusalReason.BINDING_MISMATCH, "completion names key " + body.getKeyFingerprint()
                    + " epoch " + body.getEpoch() + ", not the installed one", reply.messageId());
            return;
        }
        state.setCompletionReported(true);
        draft.transition(MigrationStep.COMPLETION_REPORTED,
                AuditNote.key(body.getEpoch(), body.getKeyFingerprint(), reply.messageId()));
        steps.commit(draft, facts.binding(), reply.messageId());
    }

    private void onVmDeregistered(Draft draft, VerifiedReply reply, VmDeregistered body) {
        MigrationState state = draft.state();
        if (state.getStep() != MigrationStep.DEREGISTER_SENT || body.getEpoch() != state.getNewEpoch()) {
            steps.ignore(draft, reply, "no deregistration of epoch " + body.getEpoch() + " awaited");
            return;
        }
        steps.done(draft, reply.messageId());
    }

    private void onCommandRefused(Draft draft, VerifiedReply reply, CommandRefused body) {
        String detail = reply.hostId() + " refused " + body.getCommandType() + " " + body.getCommandMessageId()
                + ": " + body.getReason() + " " + body.getDetail();
        if (body.getReason() == RefusalReason.REPLAYED) {
            // The host saw that command before and answered it then; nothing to act on twice.
            steps.ignore(draft, reply, detail);
            return;
        }
        if (MigrationSteps.isCommitted(draft.state())) {
            // After commit nothing is aborted; the deregister is retried until acknowledged.
            draft.note(AuditNote.refusal(body.getReason(), detail, reply.messageId()));
            return;
        }
        steps.abort(draft, body.getReason(), detail, reply.messageId());
    }

    private void onAbortAcknowledged(Draft draft, VerifiedReply reply, AbortAcknowledged body) {
        MigrationState state = draft.state();
        if (state.getStep() != MigrationStep.ABORTED || !state.getAbortPendingHosts().contains(reply.hostId())) {
            steps.ignore(draft, reply, state.getStep() == MigrationStep.ABORTED
                    ? "the abort was already acknowledged by " + reply.hostId() : "the migration was not aborted");
            return;
        }
        steps.abortSettled(draft, reply.hostId());
        draft.note(AuditNote.message(reply.messageId(), body.getRole() + " " + reply.hostId()
                + " acknowledged the abort (target destroyed " + body.getTargetVmDestroyed() + ", key zeroized "
                + body.getVmKeyZeroized() + ")"));
    }
}
