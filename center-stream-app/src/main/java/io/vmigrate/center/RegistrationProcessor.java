package io.vmigrate.center;

import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeLimits;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.serde.SingleObjectCodec;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * {@code vm.registrations} into the workflow machine (enrollment step 5, the epoch-0 key of a VM
 * already on a host). A registration is a VM_REGISTRATION_REQUESTED envelope signed by the secure zone
 * of the host it names, under the registration's migration id: it is read as bytes and verified with
 * the zone key of that host's approved registry entry before its body is decoded. What is not that
 * (an unsigned registration of old, another type, another VM than the key, a pending, retired or
 * unknown host, a key that is not the named host's, a bad signature, a body naming another host, a
 * record on another partition than its key maps to) is dead-lettered with its reason and alerted,
 * never acted on. Only then does the machine see it; a VM already bound is refused there.
 */
final class RegistrationProcessor implements Processor<String, byte[], Object, Object> {

    private static final SingleObjectCodec<VmRegistrationRequested> UNSIGNED =
            SingleObjectCodec.of(VmRegistrationRequested.class);

    private final CenterServices services;
    private final Deserializer<SignedEnvelope> deserializer;
    private WorkflowAdapter workflow;

    RegistrationProcessor(CenterServices services, Deserializer<SignedEnvelope> deserializer) {
        this.services = services;
        this.deserializer = deserializer;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.workflow = new WorkflowAdapter(context, services);
    }

    /** Why a registration is refused before the workflow sees it. */
    private static final class Refused extends Exception {
        private final RefusalReason reason;
        private final String hostId;

        Refused(RefusalReason reason, String detail, String hostId) {
            super(detail, null, false, false);
            this.reason = reason;
            this.hostId = hostId;
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        SignedEnvelope envelope = null;
        try {
            envelope = decode(record);
            VmRegistrationRequested registration = verify(envelope, record.key());
            // The machine alerts itself where it refuses (a VM bound elsewhere); it asks only for the dead letter.
            workflow.apply(workflow.machine().onRegistration(workflow.facts(registration.getVmId()), registration,
                    workflow.now()), (reason, detail) -> deadLetter(record, reason, detail));
        } catch (Refused e) {
            refuse(record, e.reason, e.getMessage(), e.hostId, envelope == null ? null : envelope.getMessageId());
        }
    }

    private SignedEnvelope decode(Record<String, byte[]> record) throws Refused {
        String misplaced = workflow.misplaced(record.key());
        if (misplaced != null) {
            throw new Refused(RefusalReason.MALFORMED, misplaced, null);
        }
        byte[] value = record.value();
        if (value == null || value.length > EnvelopeLimits.MAX_ENVELOPE_BYTES) {
            throw new Refused(RefusalReason.MALFORMED, "registration without value, or over "
                    + EnvelopeLimits.MAX_ENVELOPE_BYTES + " bytes", null);
        }
        try {
            return deserializer.deserialize(null, value);
        } catch (RuntimeException e) {
            if (isUnsignedRegistration(value)) {
                throw new Refused(RefusalReason.NOT_SIGNED, "an unsigned VmRegistrationRequested; registrations must be"
                        + " VM_REGISTRATION_REQUESTED envelopes signed by the host's secure zone", null);
            }
            throw new Refused(RefusalReason.MALFORMED, "not a signed registration", null);
        }
    }

    private VmRegistrationRequested verify(SignedEnvelope envelope, String key) throws Refused {
        String hostId = envelope.getHostId();
        String vmId = envelope.getVmId();
        if (envelope.getMessageType() != MessageType.VM_REGISTRATION_REQUESTED) {
            throw new Refused(RefusalReason.MALFORMED, "envelope " + envelope.getMessageId() + " is a "
                    + envelope.getMessageType() + ", not a VM_REGISTRATION_REQUESTED", null);
        }
        if (!EnvelopeLimits.idWithinBound(vmId) || !vmId.equals(key)
                || !KeyContexts.registrationMigrationId(vmId).equals(envelope.getMigrationId())) {
            throw new Refused(RefusalReason.MALFORMED, "registration envelope " + envelope.getMessageId()
                    + " not keyed by its VM id, or not under that VM's registration id", null);
        }
        HostDirectory hosts = workflow.directory();
        if (!hosts.isEnrolled(hostId)) {
            if (hosts.isRetired(hostId)) {
                throw new Refused(RefusalReason.HOST_RETIRED, "registration from retired host " + hostId, hostId);
            }
            if (hosts.isPending(hostId)) {
                throw new Refused(RefusalReason.HOST_NOT_APPROVED, "registration from host " + hostId
                        + ", which is not approved", hostId);
            }
            throw new Refused(RefusalReason.UNKNOWN_SIGNER, "registration from unknown host "
                    + CenterRegistryEntries.printable(hostId), null);
        }
        VmRegistrationRequested registration;
        try {
            registration = new EnvelopeOpener(keyId -> hosts.secureZoneVerifier(hostId, keyId), services.clock(),
                    services.settings().allowedClockSkew()).open(envelope).body(VmRegistrationRequested.class);
        } catch (EnvelopeRefusedException e) {
            throw new Refused(e.reason(), e.getMessage(), hostId);
        }
        if (!hostId.equals(registration.getHostId())) {
            throw new Refused(RefusalReason.WRONG_HOST, "registration signed by host " + hostId + " names host "
                    + registration.getHostId(), hostId);
        }
        return registration;
    }

    private void refuse(Record<String, byte[]> record, RefusalReason reason, String detail, String hostId,
            String messageId) {
        deadLetter(record, reason, detail);
        workflow.outputs().alert(reason, detail, hostId, null, null, messageId);
    }

    private void deadLetter(Record<String, byte[]> record, RefusalReason reason, String detail) {
        byte[] key = record.key() == null ? null : DeadLetters.utf8(record.key());
        workflow.outputs().deadLetter(key, record.value(), reason, detail);
    }

    private static boolean isUnsignedRegistration(byte[] value) {
        try {
            UNSIGNED.decode(value);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
