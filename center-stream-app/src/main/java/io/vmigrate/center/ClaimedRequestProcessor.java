package io.vmigrate.center;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.request.MigrationRequested;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Verified requests whose migration id is claimed, back in the VM-keyed workflow: handed to the
 * workflow machine, which checks them against the VM's binding and migrations.
 */
final class ClaimedRequestProcessor implements Processor<String, MigrationRequested, Object, Object> {

    private final CenterServices services;
    private final Serializer<MigrationRequested> serializer;
    private WorkflowAdapter workflow;

    ClaimedRequestProcessor(CenterServices services, Serializer<MigrationRequested> serializer) {
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
        String misplaced = record.key() == null ? "record without key" : workflow.misplaced(record.key());
        if (request == null || misplaced != null || !record.key().equals(request.getVmId())) {
            workflow.outputs().deadLetter(record.key() == null ? null : DeadLetters.utf8(record.key()),
                    request == null ? null : serializer.serialize(null, request), RefusalReason.MALFORMED,
                    misplaced != null ? misplaced : "claimed request without value, or not keyed by its VM id");
            return;
        }
        workflow.apply(workflow.machine().onRequest(workflow.facts(request.getVmId()), request, workflow.now()));
    }
}
