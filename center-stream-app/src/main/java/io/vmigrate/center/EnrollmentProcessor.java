package io.vmigrate.center;

import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.EnrollmentProof;
import io.vmigrate.schema.registry.HostEnrollment;
import io.vmigrate.schema.registry.HostEnrollmentRequested;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.topic.HostIds;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.SignatureRefusedException;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enrollment step 4: checks a host's proof of possession (its secure zone signed its own three
 * public keys for its host id). A host whose secure-zone signing key the allow-list names is trusted
 * at once: a center-signed {@code host:<hostId>} entry on {@code trust.registry}; so is one that presents a
 * provisioning CA's valid statement for its id and key ({@link ProvisioningApproval}). Any other host stays
 * pending, published as a center-signed {@code pending-host:<hostId>} entry that the workflow never
 * reads, until an operator approves its fingerprint ({@link HostApprovalProcessor}). Enrolling again
 * with the same keys changes nothing; other keys for an enrolled or pending host, and any enrollment
 * of a retired host, are refused and alerted, never silently replaced.
 */
final class EnrollmentProcessor implements Processor<String, HostEnrollmentRequested, Object, Object> {

    private static final Logger LOG = LoggerFactory.getLogger(EnrollmentProcessor.class);

    private final CenterServices services;
    private final Serializer<HostEnrollmentRequested> serializer;
    private KeyValueStore<String, TrustRegistryEntry> enrollments;
    private KeyValueStore<String, TrustRegistryEntry> pending;
    private CenterOutputs outputs;
    private ProcessorContext<Object, Object> context;
    private ProvisioningApproval provisioning;

    EnrollmentProcessor(CenterServices services, Serializer<HostEnrollmentRequested> serializer) {
        this.services = services;
        this.serializer = serializer;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.enrollments = context.getStateStore(CenterTopology.ENROLLMENTS_STORE);
        this.pending = context.getStateStore(CenterTopology.PENDING_ENROLLMENTS_STORE);
        this.outputs = new CenterOutputs(context, CenterTopology.ENROLLMENT_SINKS, services.clock(), services.metrics());
        this.provisioning = new ProvisioningApproval(services, outputs);
    }

    @Override
    public void process(Record<String, HostEnrollmentRequested> record) {
        HostEnrollmentRequested request = record.value();
        if (request == null || !HostIds.isValid(request.getHostId()) || !request.getHostId().equals(record.key())) {
            refuse(record, RefusalReason.MALFORMED, "enrollment without value, with an invalid host id, or keyed by another id", false);
            return;
        }
        String misplaced = KeyPlacement.misplaced(record.key(), context.recordMetadata(),
                services.settings().workflowPartitions());
        if (misplaced != null) {
            // Its task holds no enrollment of this host: a retired host would be approved again from the allow-list.
            refuse(record, RefusalReason.MALFORMED, misplaced, true);
            return;
        }
        String hostId = request.getHostId();
        PublicKeyHandle signingKey;
        try {
            signingKey = checkKey(request.getSecureZoneSigningKey(), KeyPurpose.SIGNING, "secure-zone signing key");
            checkKey(request.getSecureZoneEncapsulationKey(), KeyPurpose.KEY_ENCAPSULATION, "secure-zone encapsulation key");
            checkKey(request.getAgentKey(), KeyPurpose.SIGNING, "agent key");
        } catch (IllegalArgumentException e) {
            refuse(record, RefusalReason.MALFORMED, "host " + hostId + ": " + e.getMessage(), false);
            return;
        }
        try {
            services.crypto().verifier(signingKey).verify(SignatureBlob.parse(ByteBuffers.toArray(request.getProof())),
                    EnrollmentProof.signingInput(hostId, request.getSecureZoneSigningKey(),
                            request.getSecureZoneEncapsulationKey(), request.getAgentKey()),
                    EnrollmentProof.context(hostId));
        } catch (MalformedBlobException | SignatureRefusedException e) {
            refuse(record, RefusalReason.SIGNATURE_INVALID, "host " + hostId + ": proof of possession refused: "
                    + e.getMessage(), true);
            return;
        }
        HostEnrollment enrollment = HostEnrollment.newBuilder()
                .setHostId(hostId)
                .setSecureZoneSigningKey(request.getSecureZoneSigningKey())
                .setSecureZoneEncapsulationKey(request.getSecureZoneEncapsulationKey())
                .setAgentKey(request.getAgentKey())
                .setCommandTopic(Topics.hostCommandsTopicName(hostId))
                .build();
        TrustRegistryEntry approved = enrollments.get(hostId);
        if (approved != null && approved.getRevoked()) {
            refuse(record, RefusalReason.HOST_RETIRED, "host " + hostId + " is retired; its id is not enrolled again", true);
            return;
        }
        if (approved != null) {
            if (sameKeys(approved.getHost(), enrollment)) {
                LOG.info("host {} enrollment at {}: already enrolled with these keys", hostId, outputs.coordinates());
            } else {
                refuse(record, RefusalReason.BINDING_MISMATCH, "host " + hostId
                        + " is enrolled with other keys; re-keying a host needs its revocation first", true);
            }
            return;
        }
        TrustRegistryEntry waiting = pending.get(hostId);
        if (waiting != null && !sameKeys(waiting.getHost(), enrollment)) {
            refuse(record, RefusalReason.BINDING_MISMATCH, "host " + hostId
                    + " is pending approval with other keys; they are not replaced", true);
            return;
        }
        String fingerprint = enrollment.getSecureZoneSigningKey().getKeyId();
        var preapproved = services.access().preapprovedHosts().fingerprintOf(hostId);
        if (preapproved.isPresent() && !preapproved.get().equals(fingerprint)) {
            refuse(record, RefusalReason.HOST_NOT_APPROVED, "host " + hostId + " enrolls with secure-zone key " + fingerprint
                    + ", not the one its allow-list entry names", true);
            return;
        }
        if (preapproved.isEmpty()) {
            Optional<String> vouchedBy = provisioning.vouchedFor(request, fingerprint);
            if (vouchedBy.isPresent()) {
                approve(enrollments, pending, outputs, services, enrollment, vouchedBy.get());
                return;
            }
            if (waiting != null) {
                LOG.info("host {} enrollment at {}: still pending approval", hostId, outputs.coordinates());
                return;
            }
            TrustRegistryEntry entry = TrustRegistryEntries.pendingHost(enrollment, services.clock().instant(),
                    services.vault().signer());
            pending.put(hostId, entry);
            outputs.registry(entry);
            LOG.info("host {} enrollment at {} pending approval: secure-zone signing key {}", hostId,
                    outputs.coordinates(), fingerprint);
            return;
        }
        approve(enrollments, pending, outputs, services, enrollment, "the allow-list");
    }

    /** Trusts a host: its center-signed {@code host:<hostId>} entry; a pending entry of it is dropped from the store. */
    static void approve(KeyValueStore<String, TrustRegistryEntry> enrollments, KeyValueStore<String, TrustRegistryEntry> pending,
            CenterOutputs outputs, CenterServices services, HostEnrollment enrollment, String approvedBy) {
        TrustRegistryEntry entry = TrustRegistryEntries.host(enrollment, services.clock().instant(), services.vault().signer());
        enrollments.put(enrollment.getHostId(), entry);
        pending.delete(enrollment.getHostId());
        outputs.registry(entry);
        // In the same transaction as the entry, so before any command: no migration reaches the host before it.
        var chain = new CenterKeyRotationChain(services.vault(), services.clock(), services.settings().commandTtl())
                .announcementsFor(enrollment.getHostId());
        chain.forEach(outputs::command);
        LOG.info("host {} enrolled at {}, approved by {}: secure-zone signing key {}, encapsulation key {}; {} center key "
                + "rotation(s) announced to it", enrollment.getHostId(), outputs.coordinates(), approvedBy,
                enrollment.getSecureZoneSigningKey().getKeyId(), enrollment.getSecureZoneEncapsulationKey().getKeyId(),
                chain.size());
    }

    /** Decodes a transported key and checks it is of the center's suite and the expected purpose. */
    private PublicKeyHandle checkKey(PublicKeyRecord record, KeyPurpose purpose, String what) {
        PublicKeyHandle key = PublicKeyRecords.fromRecord(record);
        if (key.suite() != services.vault().suite() || key.purpose() != purpose) {
            throw new IllegalArgumentException(what + " is a " + key.suite() + " " + key.purpose() + " key, expected "
                    + services.vault().suite() + " " + purpose);
        }
        return key;
    }

    static boolean sameKeys(HostEnrollment a, HostEnrollment b) {
        return Objects.equals(a.getSecureZoneSigningKey().getKeyId(), b.getSecureZoneSigningKey().getKeyId())
                && Objects.equals(a.getSecureZoneEncapsulationKey().getKeyId(), b.getSecureZoneEncapsulationKey().getKeyId())
                && Objects.equals(a.getAgentKey().getKeyId(), b.getAgentKey().getKeyId());
    }

    private void refuse(Record<String, HostEnrollmentRequested> record, RefusalReason reason, String detail, boolean alert) {
        byte[] value = record.value() == null ? null : serializer.serialize(null, record.value());
        outputs.deadLetter(record.key() == null ? null : DeadLetters.utf8(record.key()), value, reason, detail);
        if (alert) {
            outputs.alert(reason, detail, record.key(), null, null, null);
        }
    }
}
