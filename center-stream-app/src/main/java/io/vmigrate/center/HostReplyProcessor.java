package io.vmigrate.center;

import io.vmigrate.center.workflow.VerifiedReply;
import io.vmigrate.schema.common.Direction;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Host replies on {@code host.events} (s31-s37): each is opened with the registered secure-zone key
 * of the host it names and checked to carry a reply of that host; forgeries go to the dead-letter
 * topic with a {@code SecurityAlert}. What a verified reply means (right party, right step, late,
 * duplicate) is the workflow machine's call. Also schedules the {@link WorkflowTicker}.
 */
final class HostReplyProcessor implements Processor<String, SignedEnvelope, Object, Object> {

    private final CenterServices services;
    private final Serializer<SignedEnvelope> serializer;
    private WorkflowAdapter workflow;

    HostReplyProcessor(CenterServices services, Serializer<SignedEnvelope> serializer) {
        this.services = services;
        this.serializer = serializer;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.workflow = new WorkflowAdapter(context, services);
        context.schedule(services.settings().punctuationInterval(), PunctuationType.WALL_CLOCK_TIME,
                new WorkflowTicker(workflow));
    }

    @Override
    public void process(Record<String, SignedEnvelope> record) {
        SignedEnvelope reply = record.value();
        if (reply == null || reply.getDirection() != Direction.HOST_TO_CENTER || !reply.getVmId().equals(record.key())
                || reply.getMessageType() == MessageType.VM_REGISTRATION_REQUESTED) {
            // A registration is no reply: it counts only on vm.registrations (RegistrationProcessor).
            deadLetter(record, RefusalReason.MALFORMED, "not a host reply keyed by its VM id");
            return;
        }
        String misplaced = workflow.misplaced(record.key());
        if (misplaced != null) {
            refuse(record, RefusalReason.MALFORMED, misplaced, true);
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
        VerifiedReply verified = new VerifiedReply(reply.getMessageId(), reply.getMessageType(), reply.getHostId(),
                reply.getMigrationId(), reply.getVmId(), opened.body());
        workflow.apply(workflow.machine().onReply(workflow.facts(reply.getVmId()), verified, workflow.now()),
                (reason, detail) -> deadLetter(record, reason, detail));
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
