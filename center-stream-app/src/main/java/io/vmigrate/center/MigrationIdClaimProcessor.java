package io.vmigrate.center;

import io.vmigrate.center.workflow.MigrationIds;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.MigrationRequested;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The claim step (node {@value CenterTopology#MIGRATION_ID_CLAIMER}): verified requests arrive keyed by
 * migration id, so every use of one id meets in one task, whatever partition its VM is on. The first
 * claim of an id wins and is kept in {@code migration-id-claims}; the request goes on to the VM-keyed
 * workflow. A later request with that id for the same VM goes on too (an operator's retry, which the
 * VM's workflow recognises); for another VM it is rejected {@code REPLAYED} with an alert and has no
 * effect, and gets no audit record, since the id's chain belongs to the first migration. Under
 * exactly_once_v2 the claim and the forward commit together.
 */
final class MigrationIdClaimProcessor implements Processor<String, MigrationRequested, Object, Object> {

    private final CenterServices services;
    private final Serializer<MigrationRequested> serializer;
    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, MigrationRequested> claims;
    private CenterOutputs outputs;

    MigrationIdClaimProcessor(CenterServices services, Serializer<MigrationRequested> serializer) {
        this.services = services;
        this.serializer = serializer;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.claims = context.getStateStore(CenterTopology.MIGRATION_ID_CLAIMS_STORE);
        this.outputs = new CenterOutputs(context, CenterTopology.CLAIM_SINKS, services.clock(), services.metrics());
    }

    @Override
    public void process(Record<String, MigrationRequested> record) {
        MigrationRequested request = record.value();
        if (request == null || record.key() == null || !record.key().equals(request.getMigrationId())) {
            // Only the center writes this topic; whatever else is here is set aside, never claimed.
            outputs.deadLetter(record.key() == null ? null : DeadLetters.utf8(record.key()),
                    request == null ? null : serializer.serialize(null, request), RefusalReason.MALFORMED,
                    "claim without value, or not keyed by its migration id");
            return;
        }
        String migrationId = request.getMigrationId();
        if (!MigrationIds.isValid(migrationId)) {
            // Nothing to claim: the workflow rejects the id as malformed.
            forward(record, request);
            return;
        }
        MigrationRequested claimed = claims.get(migrationId);
        if (claimed == null) {
            claims.put(migrationId, request);
        } else if (!claimed.getVmId().equals(request.getVmId())) {
            String detail = "migration id " + migrationId + " was already claimed for VM " + claimed.getVmId()
                    + "; migration ids are never reused";
            outputs.rejection(MigrationRejected.newBuilder().setMigrationId(migrationId).setVmId(request.getVmId())
                    .setReason(RefusalReason.REPLAYED).setDetail(detail).setRejectedAt(services.clock().instant()).build());
            outputs.alert(RefusalReason.REPLAYED, detail, null, migrationId, request.getVmId(), null);
            return;
        }
        forward(record, request);
    }

    private void forward(Record<String, MigrationRequested> record, MigrationRequested request) {
        context.forward(new Record<Object, Object>(request.getVmId(), request, record.timestamp()),
                CenterTopology.CLAIMED_REQUESTS_SINK);
    }
}
