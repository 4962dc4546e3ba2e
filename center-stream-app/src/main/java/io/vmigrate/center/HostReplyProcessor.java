package io.vmigrate.center;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.command.ForwardedVmAttestation;
import io.vmigrate.schema.common.Direction;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.reply.AbortAcknowledged;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.reply.VmDeregistered;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host replies on {@code host.events} (s31-s37): each is opened with the registered secure-zone key
 * of the host it names, checked to come from the right party of the VM's current migration, then
 * moves the workflow one step. Forgeries go to the dead-letter topic with a {@code SecurityAlert};
 * late or duplicate replies are audited and ignored. Also schedules the {@link DeadlinePunctuator}.
 */
final class HostReplyProcessor implements Processor<String, SignedEnvelope, Object, Object> {

    private static final Logger LOG = LoggerFactory.getLogger(HostReplyProcessor.class);

    private final CenterServices services;
    private final Serializer<SignedEnvelope> serializer;
    private MigrationWorkflow workflow;

    HostReplyProcessor(CenterServices services, Serializer<SignedEnvelope> serializer) {
        this.services = services;
        this.serializer = serializer;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.workflow = new MigrationWorkflow(context, services);
        context.schedule(services.settings().punctuationInterval(), PunctuationType.WALL_CLOCK_TIME,
                new DeadlinePunctuator(workflow));
    }

    @Override
    public void process(Record<String, SignedEnvelope> record) {
        SignedEnvelope reply = record.value();
        if (reply == null || reply.getDirection() != Direction.HOST_TO_CENTER || !reply.getVmId().equals(record.key())) {
            deadLetter(record, RefusalReason.MALFORMED, "not a host reply keyed by its VM id");
            return;
        }
        OpenedEnvelope opened;
        try {
            EnvelopeOpener opener = new EnvelopeOpener(
                    keyId -> workflow.directory().secureZoneVerifier(reply.getHostId(), keyId),
                    services.clock(), services.settings().allowedClockSkew());
            opened = opener.open(reply);
        } catch (EnvelopeRefusedException e) {
            refuse(record, e.reason(), e.getMessage(), e.isSecurityRelevant());
            return;
        }
        String bodyHost = stringField(opened.body(), "hostId");
        if (bodyHost != null && !bodyHost.equals(reply.getHostId())) {
            refuse(record, RefusalReason.WRONG_HOST, "envelope from " + reply.getHostId() + " carries a reply of " + bodyHost, true);
            return;
        }
        MigrationState state = workflow.migrations().get(reply.getVmId());
        if (state == null) {
            LOG.warn("reply {} {} for VM {} at {}: the center knows no migration of that VM; ignored",
                    reply.getMessageType(), reply.getMessageId(), reply.getVmId(), workflow.outputs().coordinates());
            return;
        }
        if (!state.getMigrationId().equals(reply.getMigrationId())) {
            workflow.ignore(state, reply, "it names migration " + reply.getMigrationId());
            workflow.save(state);
            return;
        }
        if (!fromTheRightParty(state, reply)) {
            refuse(record, RefusalReason.WRONG_HOST, reply.getMessageType() + " from " + reply.getHostId()
                    + ", which is not the expected party of migration " + state.getMigrationId(), true);
            return;
        }
        dispatch(state, opened);
        workflow.save(state);
    }

    /** Destination replies come from the destination, source replies from the source; refusals and acks from either. */
    private static boolean fromTheRightParty(MigrationState state, SignedEnvelope reply) {
        String host = reply.getHostId();
        switch (reply.getMessageType()) {
            case TARGET_VM_CREATED:
            case KEY_INSTALL_REPLY:
            case MIGRATION_COMPLETED:
                return host.equals(state.getDestinationHostId());
            case VM_ATTESTATION:
            case VM_DEREGISTERED:
                return host.equals(state.getSourceHostId());
            default:
                return host.equals(state.getSourceHostId()) || host.equals(state.getDestinationHostId());
        }
    }

    private void dispatch(MigrationState state, OpenedEnvelope opened) {
        SignedEnvelope reply = opened.envelope();
        if (MigrationWorkflow.isFinal(state) && reply.getMessageType() != MessageType.ABORT_ACKNOWLEDGED) {
            workflow.ignore(state, reply, "migration already ended in " + state.getStep());
            return;
        }
        switch (reply.getMessageType()) {
            case TARGET_VM_CREATED -> onTargetVmCreated(state, reply);
            case KEY_INSTALL_REPLY -> onKeyInstallReply(state, reply, opened.body(KeyInstallReply.class));
            case VM_ATTESTATION -> onVmAttestation(state, reply, opened.body(VmAttestation.class));
            case MIGRATION_COMPLETED -> onMigrationCompleted(state, reply, opened.body(MigrationCompleted.class));
            case VM_DEREGISTERED -> onVmDeregistered(state, reply, opened.body(VmDeregistered.class));
            case COMMAND_REFUSED -> onCommandRefused(state, reply, opened.body(CommandRefused.class));
            case ABORT_ACKNOWLEDGED -> onAbortAcknowledged(state, reply, opened.body(AbortAcknowledged.class));
            default -> workflow.ignore(state, reply, "not a reply type");
        }
    }

    private void onTargetVmCreated(MigrationState state, SignedEnvelope reply) {
        // The source's branch (migrate-out, attestation) runs in parallel with the destination's, so the
        // target may be reported after the attestation was already received and forwarded.
        if (state.getRegistration() || state.getTargetCreated() || MigrationWorkflow.isCommitted(state)
                || state.getStep() == MigrationStep.REQUESTED) {
            workflow.ignore(state, reply, "target already created or not expected in step " + state.getStep());
            return;
        }
        state.setTargetCreated(true);
        workflow.audit().transition(state, MigrationStep.TARGET_CREATED, AuditNote.message(reply.getMessageId(), null));
        workflow.deliverKey(state, reply.getMessageId());
    }

    private void onKeyInstallReply(MigrationState state, SignedEnvelope reply, KeyInstallReply body) {
        if (state.getKeyInstalled() || state.getNewKeyFingerprint() == null || MigrationWorkflow.isCommitted(state)) {
            workflow.ignore(state, reply, "no key delivery awaits an answer");
            return;
        }
        if (body.getOutcome() == KeyInstallOutcome.FAILED) {
            RefusalReason reason = body.getReason() == null ? RefusalReason.INTERNAL_ERROR : body.getReason();
            workflow.abort(state, reason, "destination " + reply.getHostId() + " failed to install the VM key: "
                    + body.getDetail(), reply.getMessageId());
            return;
        }
        if (body.getEpoch() != state.getNewEpoch() || !body.getKeyFingerprint().equals(state.getNewKeyFingerprint())) {
            workflow.abort(state, RefusalReason.BINDING_MISMATCH, "destination installed key " + body.getKeyFingerprint()
                    + " epoch " + body.getEpoch() + ", not the delivered one", reply.getMessageId());
            return;
        }
        state.setKeyInstalled(true);
        workflow.audit().transition(state, MigrationStep.KEY_INSTALLED,
                AuditNote.key(body.getEpoch(), body.getKeyFingerprint(), reply.getMessageId()));
        if (state.getRegistration()) {
            workflow.commitRegistration(state, reply.getMessageId());
        }
    }

    private void onVmAttestation(MigrationState state, SignedEnvelope reply, VmAttestation body) {
        if (state.getRegistration() || state.getAttestationVerified() || MigrationWorkflow.isCommitted(state)
                || state.getStep() == MigrationStep.REQUESTED) {
            workflow.ignore(state, reply, "no attestation expected in step " + state.getStep());
            return;
        }
        // The opener verified the source secure zone's signature; the party check made sure it is the source.
        state.setAttestationVerified(true);
        workflow.audit().transition(state, MigrationStep.ATTESTATION_RECEIVED, AuditNote.message(reply.getMessageId(), null));
        ForwardedVmAttestation forwarded = ForwardedVmAttestation.newBuilder()
                .setMigrationId(state.getMigrationId())
                .setVmId(state.getVmId())
                .setSourceHostId(state.getSourceHostId())
                .setDescriptionDigest(body.getDescriptionDigest())
                .setImageManifestDigest(body.getImageManifestDigest())
                .setSourceAttestationMessageId(reply.getMessageId())
                .build();
        SignedEnvelope sent = workflow.send(state, state.getDestinationHostId(), state.getNewEpoch(), forwarded);
        workflow.audit().transition(state, MigrationStep.ATTESTATION_FORWARDED, AuditNote.message(sent.getMessageId(), null));
    }

    private void onMigrationCompleted(MigrationState state, SignedEnvelope reply, MigrationCompleted body) {
        if (state.getRegistration() || state.getCompletionReported() || MigrationWorkflow.isCommitted(state)) {
            workflow.ignore(state, reply, "completion already reported or not expected");
            return;
        }
        if (!state.getKeyInstalled() || !state.getAttestationVerified()) {
            workflow.ignore(state, reply, "completion before key installed and attestation forwarded");
            return;
        }
        if (body.getEpoch() != state.getNewEpoch() || !body.getKeyFingerprint().equals(state.getNewKeyFingerprint())) {
            workflow.abort(state, RefusalReason.BINDING_MISMATCH, "completion names key " + body.getKeyFingerprint()
                    + " epoch " + body.getEpoch() + ", not the installed one", reply.getMessageId());
            return;
        }
        state.setCompletionReported(true);
        workflow.audit().transition(state, MigrationStep.COMPLETION_REPORTED,
                AuditNote.key(body.getEpoch(), body.getKeyFingerprint(), reply.getMessageId()));
        workflow.commit(state, reply.getMessageId());
    }

    private void onVmDeregistered(MigrationState state, SignedEnvelope reply, VmDeregistered body) {
        if (state.getStep() != MigrationStep.DEREGISTER_SENT || body.getEpoch() != state.getNewEpoch()) {
            workflow.ignore(state, reply, "no deregistration of epoch " + body.getEpoch() + " awaited");
            return;
        }
        workflow.done(state, reply.getMessageId());
    }

    private void onCommandRefused(MigrationState state, SignedEnvelope reply, CommandRefused body) {
        String detail = reply.getHostId() + " refused " + body.getCommandType() + " " + body.getCommandMessageId()
                + ": " + body.getReason() + " " + body.getDetail();
        if (body.getReason() == RefusalReason.REPLAYED) {
            // The host saw that command before and answered it then; nothing to act on twice.
            workflow.ignore(state, reply, detail);
            return;
        }
        if (MigrationWorkflow.isCommitted(state)) {
            // After commit nothing is aborted; the deregister is retried until acknowledged.
            workflow.audit().note(state, AuditNote.refusal(body.getReason(), detail, reply.getMessageId()));
            return;
        }
        workflow.abort(state, body.getReason(), detail, reply.getMessageId());
    }

    private void onAbortAcknowledged(MigrationState state, SignedEnvelope reply, AbortAcknowledged body) {
        workflow.audit().note(state, AuditNote.message(reply.getMessageId(), body.getRole() + " " + reply.getHostId()
                + " acknowledged the abort (target destroyed " + body.getTargetVmDestroyed() + ", key zeroized "
                + body.getVmKeyZeroized() + ")"));
    }

    private void refuse(Record<String, SignedEnvelope> record, RefusalReason reason, String detail, boolean alert) {
        deadLetter(record, reason, detail);
        if (alert) {
            SignedEnvelope reply = record.value();
            workflow.outputs().alert(reason, detail, reply.getHostId(), reply.getMigrationId(), reply.getVmId(),
                    reply.getMessageId());
        }
    }

    private void deadLetter(Record<String, SignedEnvelope> record, RefusalReason reason, String detail) {
        byte[] value = record.value() == null ? null : serializer.serialize(null, record.value());
        workflow.outputs().deadLetter(record.key() == null ? null : DeadLetters.utf8(record.key()), value, reason, detail);
    }

    private static String stringField(SpecificRecord body, String name) {
        Schema.Field field = body.getSchema().getField(name);
        Object value = field == null ? null : body.get(field.pos());
        return value == null ? null : value.toString();
    }
}
