package io.vmigrate.center;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.operator.CenterKeyRotationRequests;
import io.vmigrate.schema.operator.OperatorRequestOpener;
import io.vmigrate.schema.operator.VerifiedOperatorRequest;
import io.vmigrate.schema.registry.HostEnrollment;
import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.request.HostApproval;
import io.vmigrate.schema.request.HostRetirement;
import io.vmigrate.schema.request.OperatorRequest;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code host.approvals}: an operator's signed {@link HostApproval} makes a pending host trusted if it
 * names the fingerprint (key id) of the secure-zone signing key the host enrolled with; a signed
 * {@link HostRetirement} publishes the host's entry revoked, so the workflow refuses its keys as it
 * refuses an unknown host's, and the id never enrolls again. Requests are verified as on
 * {@code migration.requests}; whatever is not a verified request of a writing role is dead-lettered
 * and alerted, and changes nothing.
 */
final class HostApprovalProcessor implements Processor<String, byte[], Object, Object> {

    private static final Logger LOG = LoggerFactory.getLogger(HostApprovalProcessor.class);

    private final CenterServices services;
    private final Deserializer<OperatorRequest> deserializer;
    private KeyValueStore<String, TrustRegistryEntry> enrollments;
    private KeyValueStore<String, TrustRegistryEntry> pending;
    private CenterOutputs outputs;
    private OperatorRequestGate gate;
    private ProcessorContext<Object, Object> context;

    HostApprovalProcessor(CenterServices services, Deserializer<OperatorRequest> deserializer) {
        this.services = services;
        this.deserializer = deserializer;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.enrollments = context.getStateStore(CenterTopology.ENROLLMENTS_STORE);
        this.pending = context.getStateStore(CenterTopology.PENDING_ENROLLMENTS_STORE);
        this.outputs = new CenterOutputs(context, CenterTopology.ENROLLMENT_SINKS, services.clock(), services.metrics());
        this.gate = new OperatorRequestGate(deserializer, new OperatorRequestOpener(GrantedOperators.of(context, services),
                services.clock(), services.settings().allowedClockSkew()), outputs);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String misplaced = record.key() == null ? null
                : KeyPlacement.misplaced(record.key(), context.recordMetadata(), services.settings().workflowPartitions());
        if (misplaced != null) {
            // Its task holds neither the host's enrollment nor its pending entry.
            gate.refuse(record, RefusalReason.MALFORMED, misplaced);
            return;
        }
        VerifiedOperatorRequest verified = gate.open(record).orElse(null);
        if (verified == null) {
            return;
        }
        String hostId = record.key();
        if (!verified.authorized()) {
            gate.refuse(record, RefusalReason.NOT_AUTHORIZED, verified.operator().role() + " " + verified.operator().name()
                    + " may not request " + verified.type() + " of host " + hostId);
            return;
        }
        switch (verified.type()) {
            case HOST_APPROVAL -> approve(record, verified, verified.body(HostApproval.class));
            case HOST_RETIREMENT -> retire(record, verified);
            case ROTATE_CENTER_KEY -> requestRotation(record, verified);
            default -> gate.refuse(record, RefusalReason.MALFORMED, "request " + verified.requestId() + ": "
                    + verified.type() + " belongs on migration.requests");
        }
    }

    private void approve(Record<String, byte[]> record, VerifiedOperatorRequest verified, HostApproval approval) {
        String hostId = approval.getHostId();
        TrustRegistryEntry approved = enrollments.get(hostId);
        if (approved != null) {
            if (approved.getRevoked()) {
                gate.refuse(record, RefusalReason.HOST_RETIRED, "host " + hostId + " is retired; it is not approved again");
            } else {
                LOG.info("host {} approval {} at {}: already approved", hostId, verified.requestId(), outputs.coordinates());
            }
            return;
        }
        TrustRegistryEntry waiting = pending.get(hostId);
        if (waiting == null) {
            gate.refuse(record, RefusalReason.HOST_NOT_APPROVED, "host " + hostId + " has no pending enrollment to approve");
            return;
        }
        String fingerprint = waiting.getHost().getSecureZoneSigningKey().getKeyId();
        if (!fingerprint.equals(approval.getFingerprint())) {
            gate.refuse(record, RefusalReason.HOST_NOT_APPROVED, "host " + hostId + " enrolled with secure-zone key "
                    + fingerprint + ", not the approved " + approval.getFingerprint());
            return;
        }
        EnrollmentProcessor.approve(enrollments, pending, outputs, services, waiting.getHost(),
                "operator " + verified.operator().name() + " (request " + verified.requestId() + ")");
    }

    /**
     * An ADMIN's verified rotation request, as signed, to {@code center.key-rotations}: the rotation waits for
     * acknowledgements, so {@link CenterKeyRotationTrigger} performs it beside the topology.
     */
    private void requestRotation(Record<String, byte[]> record, VerifiedOperatorRequest verified) {
        context.forward(new Record<Object, Object>(CenterKeyRotationRequests.SUBJECT, record.value(), services.clock().millis()),
                CenterTopology.CENTER_KEY_ROTATIONS_SINK);
        LOG.info("center key rotation request {} at {} by {} {}: passed to the rotation trigger", verified.requestId(),
                outputs.coordinates(), verified.operator().role(), verified.operator().name());
    }

    private void retire(Record<String, byte[]> record, VerifiedOperatorRequest verified) {
        String hostId = record.key();
        TrustRegistryEntry known = enrollments.get(hostId);
        if (known == null) {
            known = pending.get(hostId);
        }
        if (known == null) {
            gate.refuse(record, RefusalReason.HOST_NOT_APPROVED, "host " + hostId + " is not enrolled; nothing to retire");
            return;
        }
        if (known.getRevoked()) {
            LOG.info("host {} retirement {} at {}: already retired", hostId, verified.requestId(), outputs.coordinates());
            return;
        }
        HostEnrollment host = known.getHost();
        TrustRegistryEntry retired = TrustRegistryEntries.retiredHost(host, services.clock().instant(), services.vault().signer());
        enrollments.put(hostId, retired);
        pending.delete(hostId);
        outputs.registry(retired);
        LOG.info("host {} retired at {} by operator {} (request {}): secure-zone key {} refused from now on", hostId,
                outputs.coordinates(), verified.operator().name(), verified.requestId(),
                host.getSecureZoneSigningKey().getKeyId());
    }
}
