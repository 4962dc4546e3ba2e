package io.vmigrate.center;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.topic.HostIds;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * {@code vm.registrations} into the workflow machine (enrollment step 5, the epoch-0 key of a VM
 * already on a host): dead-letters a malformed registration, hands every other to the machine.
 */
final class RegistrationProcessor implements Processor<String, VmRegistrationRequested, Object, Object> {

    private final CenterServices services;
    private final Serializer<VmRegistrationRequested> serializer;
    private WorkflowAdapter workflow;

    RegistrationProcessor(CenterServices services, Serializer<VmRegistrationRequested> serializer) {
        this.services = services;
        this.serializer = serializer;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.workflow = new WorkflowAdapter(context, services);
    }

    @Override
    public void process(Record<String, VmRegistrationRequested> record) {
        VmRegistrationRequested registration = record.value();
        if (registration == null || !registration.getVmId().equals(record.key()) || !HostIds.isValid(registration.getHostId())) {
            workflow.outputs().deadLetter(DeadLetters.utf8(String.valueOf(record.key())),
                    registration == null ? null : serializer.serialize(null, registration), RefusalReason.MALFORMED,
                    "registration without value, with an invalid host id, or keyed by something else than its VM id");
            return;
        }
        String misplaced = workflow.misplaced(record.key());
        if (misplaced != null) {
            workflow.outputs().deadLetter(DeadLetters.utf8(record.key()), serializer.serialize(null, registration),
                    RefusalReason.MALFORMED, misplaced);
            workflow.outputs().alert(RefusalReason.MALFORMED, misplaced, registration.getHostId(), null,
                    registration.getVmId(), null);
            return;
        }
        workflow.apply(workflow.machine().onRegistration(workflow.facts(registration.getVmId()), registration,
                workflow.now()));
    }
}
