package io.vmigrate.center;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.operator.OperatorRequestOpener;
import io.vmigrate.schema.operator.VerifiedOperatorRequest;
import io.vmigrate.schema.request.AbortRequested;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.request.OperatorRequestType;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * {@code migration.requests} into the workflow machine. Every record must be an operator request
 * signed by a key of the operators file; it is verified before anything of its body is read
 * ({@link OperatorRequestOpener}). What cannot be verified (not a request, unsigned, unknown key,
 * bad signature, expired) is dead-lettered with its reason and alerted, attributed to no migration;
 * a verified request of a role that may not write (an auditor) is rejected with a
 * {@code MigrationRejected} and alerted. Only then does the machine see it, with {@code requestedBy}
 * replaced by the verified operator's name: an abort at once, a migration once its id is claimed
 * ({@link MigrationIdClaimProcessor}, then {@link ClaimedRequestProcessor}).
 */
final class MigrationRequestProcessor implements Processor<String, byte[], Object, Object> {

    private final CenterServices services;
    private final Deserializer<OperatorRequest> deserializer;
    private OperatorRequestGate gate;
    private WorkflowAdapter workflow;
    private ProcessorContext<Object, Object> context;

    MigrationRequestProcessor(CenterServices services, Deserializer<OperatorRequest> deserializer) {
        this.services = services;
        this.deserializer = deserializer;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.workflow = new WorkflowAdapter(context, services);
        this.gate = new OperatorRequestGate(deserializer, new OperatorRequestOpener(GrantedOperators.of(context, services),
                services.clock(), services.settings().allowedClockSkew()), workflow.outputs());
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String misplaced = record.key() == null ? null : workflow.misplaced(record.key());
        if (misplaced != null) {
            gate.refuse(record, RefusalReason.MALFORMED, misplaced);
            return;
        }
        VerifiedOperatorRequest verified = gate.open(record).orElse(null);
        if (verified == null) {
            return;
        }
        switch (verified.type()) {
            case MIGRATION_REQUESTED -> migrate(record, verified);
            case ABORT_REQUESTED -> abort(verified);
            default -> gate.refuse(record, RefusalReason.MALFORMED, "request " + verified.requestId() + ": "
                    + verified.type() + " belongs on host.approvals");
        }
    }

    private void migrate(Record<String, byte[]> record, VerifiedOperatorRequest verified) {
        MigrationRequested request = MigrationRequested.newBuilder(verified.body(MigrationRequested.class))
                .setRequestedBy(verified.operator().name())
                .build();
        if (!verified.authorized()) {
            unauthorized(verified, request.getMigrationId(), request.getVmId());
            return;
        }
        // To the claim step, keyed by migration id; the workflow sees the request once its id is claimed.
        context.forward(new Record<Object, Object>(request.getMigrationId(), request, record.timestamp()),
                CenterTopology.MIGRATION_ID_CLAIMS_SINK);
    }

    private void abort(VerifiedOperatorRequest verified) {
        AbortRequested abort = verified.body(AbortRequested.class);
        if (!verified.authorized()) {
            unauthorized(verified, abort.getMigrationId(), abort.getVmId());
            return;
        }
        workflow.apply(workflow.machine().onAbortRequest(workflow.facts(abort.getVmId()), abort, verified.requestId(),
                verified.operator().name(), workflow.now()));
    }

    /** Signed by a known key whose role may not ask for this: refused, named, alerted; the workflow never sees it. */
    private void unauthorized(VerifiedOperatorRequest verified, String migrationId, String vmId) {
        String detail = verified.operator().role() + " " + verified.operator().name() + " may not request "
                + verified.type();
        workflow.outputs().rejection(MigrationRejected.newBuilder()
                .setMigrationId(migrationId)
                .setVmId(vmId)
                .setReason(RefusalReason.NOT_AUTHORIZED)
                .setDetail(detail)
                .setRejectedAt(workflow.now())
                .setRequestId(verified.requestId())
                .setRequestType(verified.type() == OperatorRequestType.MIGRATION_REQUESTED ? null : verified.type())
                .build());
        workflow.outputs().alert(RefusalReason.NOT_AUTHORIZED, detail, null, migrationId, vmId, verified.requestId());
    }
}
