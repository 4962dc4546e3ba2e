package io.vmigrate.center;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.topic.HostIds;
import java.time.Instant;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enrollment step 5: a VM already on an enrolled host gets its epoch-0 key (migration id
 * {@code register:<vmId>}); the binding is written when the host's secure zone reports it
 * installed. A registration for a host whose enrollment the center has not seen yet waits for it
 * (the {@link DeadlinePunctuator} delivers the key later) until the default deadline.
 */
final class RegistrationProcessor implements Processor<String, VmRegistrationRequested, Object, Object> {

    private static final Logger LOG = LoggerFactory.getLogger(RegistrationProcessor.class);

    private final CenterServices services;
    private final Serializer<VmRegistrationRequested> serializer;
    private MigrationWorkflow workflow;

    RegistrationProcessor(CenterServices services, Serializer<VmRegistrationRequested> serializer) {
        this.services = services;
        this.serializer = serializer;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.workflow = new MigrationWorkflow(context, services);
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
        String vmId = registration.getVmId();
        String hostId = registration.getHostId();
        VmInventoryEntry binding = workflow.bindings().get(vmId);
        if (binding != null) {
            if (binding.getBinding().getHostId().equals(hostId)) {
                LOG.info("vm {} registration by {} at {}: already bound (epoch {}); nothing to do", vmId, hostId,
                        workflow.outputs().coordinates(), binding.getBinding().getEpoch());
            } else {
                workflow.outputs().alert(RefusalReason.BINDING_MISMATCH, "host " + hostId + " registers VM " + vmId
                        + ", which is bound to " + binding.getBinding().getHostId(), hostId, null, vmId, null);
            }
            return;
        }
        MigrationState current = workflow.migrations().get(vmId);
        if (MigrationWorkflow.isInFlight(current)) {
            LOG.info("vm {} registration by {} at {}: {} already in step {}; ignored", vmId, hostId,
                    workflow.outputs().coordinates(), current.getMigrationId(), current.getStep());
            return;
        }
        Instant now = workflow.now();
        MigrationState state = MigrationWorkflow.newState(KeyContexts.registrationMigrationId(vmId), vmId, hostId,
                hostId, registration.getRequestedBy(), true, now, now.plus(services.settings().defaultDeadline()),
                -1, null, current);
        workflow.registrations().put(vmId, registration);
        workflow.audit().transition(state, io.vmigrate.schema.common.MigrationStep.REQUESTED,
                AuditNote.detail("registration of VM " + vmId + " on " + hostId));
        if (workflow.directory().isEnrolled(hostId)) {
            workflow.deliverKey(state, null);
        }
        workflow.save(state);
    }
}
