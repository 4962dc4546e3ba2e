package io.vmigrate.center;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.request.MigrationRequested;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * {@code migration.requests} into the workflow machine: dead-letters a record that is not a
 * request keyed by its VM id, and hands every other to the machine, which validates it and either
 * commands source and destination or rejects it.
 */
final class MigrationRequestProcessor implements Processor<String, MigrationRequested, Object, Object> {

    private final CenterServices services;
    private final Serializer<MigrationRequested> serializer;
    private WorkflowAdapter workflow;

    MigrationRequestProcessor(CenterServices services, Serializer<MigrationRequested> serializer) {
        this.services = services;
        this.serializer = serializer;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.workflow = new WorkflowAdapter(context, services);
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
        String misplaced = workflow.misplaced(record.key());
        if (misplaced != null) {
            workflow.outputs().deadLetter(DeadLetters.utf8(record.key()), serializer.serialize(null, request),
                    RefusalReason.MALFORMED, misplaced);
            workflow.outputs().alert(RefusalReason.MALFORMED, misplaced, null, null, request.getVmId(), null);
            return;
        }
        workflow.apply(workflow.machine().onRequest(workflow.facts(request.getVmId()), request, workflow.now()));
    }
}
