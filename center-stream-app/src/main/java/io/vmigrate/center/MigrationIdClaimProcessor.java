package io.vmigrate.center;

import io.vmigrate.center.workflow.MigrationIds;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.MigrationRequested;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claim step (node {@value CenterTopology#MIGRATION_ID_CLAIMER}): verified requests arrive keyed by
 * migration id, so every use of one id meets in one task, whatever partition its VM is on. The first
 * claim of an id wins and is kept in {@code migration-id-claims}; the request goes on to the VM-keyed
 * workflow. A later request with that id for the same VM goes on too (an operator's retry, which the
 * VM's workflow recognises); for another VM it is rejected {@code REPLAYED} with an alert and has no
 * effect, and gets no audit record, since the id's chain belongs to the first migration. Under
 * exactly_once_v2 the claim and the forward commit together.
 *
 * <p>A retry is one only within the migration retention of the first request: the VM's workflow forgets a
 * finished migration after it, so a later request with the id is refused {@code REPLAYED} here instead. A
 * claim itself is forgotten after the (longer) claim retention ({@link RetentionIndex}, on the wall clock).
 */
final class MigrationIdClaimProcessor implements Processor<String, MigrationRequested, Object, Object> {

    private static final Logger LOG = LoggerFactory.getLogger(MigrationIdClaimProcessor.class);

    private final CenterServices services;
    private final Serializer<MigrationRequested> serializer;
    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, MigrationRequested> claims;
    private RetentionIndex claimsByTime;
    private CenterOutputs outputs;

    MigrationIdClaimProcessor(CenterServices services, Serializer<MigrationRequested> serializer) {
        this.services = services;
        this.serializer = serializer;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.claims = context.getStateStore(CenterTopology.MIGRATION_ID_CLAIMS_STORE);
        this.claimsByTime = new RetentionIndex(context.getStateStore(CenterTopology.MIGRATION_ID_CLAIMS_BY_TIME_STORE));
        context.schedule(services.settings().punctuationInterval(), PunctuationType.WALL_CLOCK_TIME, this::forgetOldClaims);
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
        Instant now = services.clock().instant();
        if (claimed == null) {
            claims.put(migrationId, request);
            claimsByTime.add(now.plus(services.settings().claimRetention()), migrationId);
        } else if (!claimed.getVmId().equals(request.getVmId())) {
            refuseReuse(request, "migration id " + migrationId + " was already claimed for VM " + claimed.getVmId()
                    + "; migration ids are never reused", now);
            return;
        } else if (claimed.getRequestedAt().plus(services.settings().migrationRetention()).isBefore(now)) {
            refuseReuse(request, "migration id " + migrationId + " was claimed for VM " + claimed.getVmId() + " at "
                    + claimed.getRequestedAt() + ", longer ago than a retry may come; migration ids are never reused", now);
            return;
        }
        forward(record, request);
    }

    private void refuseReuse(MigrationRequested request, String detail, Instant now) {
        outputs.rejection(MigrationRejected.newBuilder().setMigrationId(request.getMigrationId()).setVmId(request.getVmId())
                .setReason(RefusalReason.REPLAYED).setDetail(detail).setRejectedAt(now).build());
        outputs.alert(RefusalReason.REPLAYED, detail, null, request.getMigrationId(), request.getVmId(), null);
    }

    private void forgetOldClaims(long timestamp) {
        Instant now = services.clock().instant();
        List<String> due = claimsByTime.takeDue(now, WorkflowAdapter.MAX_FORGOTTEN_PER_TICK);
        due.forEach(claims::delete);
        if (!due.isEmpty()) {
            LOG.info("forgot {} migration id claims older than {} (task {})", due.size(),
                    services.settings().claimRetention(), context.taskId());
        }
    }

    private void forward(Record<String, MigrationRequested> record, MigrationRequested request) {
        context.forward(new Record<Object, Object>(request.getVmId(), request, record.timestamp()),
                CenterTopology.CLAIMED_REQUESTS_SINK);
    }
}
