package io.vmigrate.center;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.command.MigrateOut;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.MigrationRequested;
import java.time.Instant;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * PROTOCOL.md step 1 and s31: validates a {@code MigrationRequested} against the binding, the
 * registry and the VM's in-flight migration, then commands source and destination, or rejects it
 * (a {@code MigrationRejected} plus audit, never a silent drop).
 */
final class RequestValidator implements Processor<String, MigrationRequested, Object, Object> {

    private final CenterServices services;
    private final Serializer<MigrationRequested> serializer;
    private MigrationWorkflow workflow;

    RequestValidator(CenterServices services, Serializer<MigrationRequested> serializer) {
        this.services = services;
        this.serializer = serializer;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.workflow = new MigrationWorkflow(context, services);
    }

    /** Why a request cannot proceed, or null if it can. */
    private record Refusal(RefusalReason reason, String detail) {
    }

    @Override
    public void process(Record<String, MigrationRequested> record) {
        MigrationRequested request = record.value();
        if (request == null || record.key() == null || !record.key().equals(request.getVmId())) {
            workflow.outputs().deadLetter(DeadLetters.utf8(String.valueOf(record.key())),
                    request == null ? null : serializer.serialize(null, request), RefusalReason.MALFORMED,
                    "migration request without value, or keyed by something else than its VM id");
            return;
        }
        MigrationState current = workflow.migrations().get(request.getVmId());
        if (current != null && current.getMigrationId().equals(request.getMigrationId())) {
            // The same request again (an operator retry): its migration already exists.
            workflow.audit().note(current, AuditNote.detail("duplicate request ignored"));
            workflow.save(current);
            return;
        }
        VmInventoryEntry binding = workflow.bindings().get(request.getVmId());
        Instant now = workflow.now();
        Instant deadline = request.getDeadline() != null ? request.getDeadline()
                : now.plus(services.settings().defaultDeadline());
        long previousEpoch = binding == null ? -1 : binding.getBinding().getEpoch();
        String previousFingerprint = binding == null ? null : binding.getBinding().getKeyFingerprint();
        MigrationState state = MigrationWorkflow.newState(request.getMigrationId(), request.getVmId(),
                request.getSourceHostId(), request.getDestinationHostId(), request.getRequestedBy(), false, now,
                deadline, previousEpoch, previousFingerprint, null);
        workflow.audit().transition(state, MigrationStep.REQUESTED, AuditNote.none());

        Refusal refusal = validate(request, binding, current, now, deadline);
        if (refusal != null) {
            reject(state, current, refusal);
            return;
        }
        MigrateOut migrateOut = MigrateOut.newBuilder()
                .setMigrationId(state.getMigrationId())
                .setVmId(state.getVmId())
                .setDestinationHostId(state.getDestinationHostId())
                .setDeadline(deadline)
                .build();
        CreateTargetVm createTarget = CreateTargetVm.newBuilder()
                .setMigrationId(state.getMigrationId())
                .setVmId(state.getVmId())
                .setSourceHostId(state.getSourceHostId())
                .setDeadline(deadline)
                .build();
        SignedEnvelope toSource = workflow.send(state, state.getSourceHostId(), previousEpoch, migrateOut);
        SignedEnvelope toDestination = workflow.send(state, state.getDestinationHostId(), previousEpoch, createTarget);
        workflow.audit().transition(state, MigrationStep.COMMANDED, AuditNote.message(toSource.getMessageId(),
                "MigrateOut " + toSource.getMessageId() + ", CreateTargetVm " + toDestination.getMessageId()));
        workflow.save(state);
    }

    private Refusal validate(MigrationRequested request, VmInventoryEntry binding, MigrationState current,
            Instant now, Instant deadline) {
        String source = request.getSourceHostId();
        String destination = request.getDestinationHostId();
        if (binding == null) {
            return new Refusal(RefusalReason.VM_UNKNOWN, "VM " + request.getVmId() + " has no binding");
        }
        if (MigrationWorkflow.isInFlight(current)) {
            return new Refusal(RefusalReason.MIGRATION_IN_FLIGHT,
                    "migration " + current.getMigrationId() + " of this VM is in step " + current.getStep());
        }
        if (source.equals(destination)) {
            return new Refusal(RefusalReason.SAME_SOURCE_AND_DESTINATION, "source and destination are both " + source);
        }
        if (!binding.getBinding().getHostId().equals(source)) {
            return new Refusal(RefusalReason.VM_NOT_BOUND_TO_SOURCE,
                    "VM is bound to " + binding.getBinding().getHostId() + ", not " + source);
        }
        if (!workflow.directory().isEnrolled(source)) {
            return new Refusal(RefusalReason.SOURCE_NOT_ENROLLED, "source " + source + " is not enrolled");
        }
        if (!workflow.directory().isEnrolled(destination)) {
            return new Refusal(RefusalReason.DESTINATION_NOT_ENROLLED, "destination " + destination + " is not enrolled");
        }
        if (!deadline.isAfter(now)) {
            return new Refusal(RefusalReason.DEADLINE_PASSED, "deadline " + deadline + " has already passed");
        }
        return null;
    }

    private void reject(MigrationState state, MigrationState current, Refusal refusal) {
        state.setOutcomeReason(refusal.reason());
        state.setOutcomeDetail(refusal.detail());
        services.metrics().refusal("rejected", refusal.reason());
        workflow.audit().transition(state, MigrationStep.REJECTED,
                AuditNote.refusal(refusal.reason(), refusal.detail(), null));
        workflow.outputs().rejection(MigrationRejected.newBuilder()
                .setMigrationId(state.getMigrationId())
                .setVmId(state.getVmId())
                .setReason(refusal.reason())
                .setDetail(refusal.detail())
                .setRejectedAt(workflow.now())
                .build());
        // Keep the outcome queryable, but never replace a migration that is still in flight.
        if (!MigrationWorkflow.isInFlight(current)) {
            workflow.save(state);
        } else {
            workflow.saveById(state);
        }
    }
}
