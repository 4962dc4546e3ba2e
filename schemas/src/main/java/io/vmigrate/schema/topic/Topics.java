package io.vmigrate.schema.topic;

import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.registry.HostEnrollmentRequested;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.OperatorGrant;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.serde.SerdeFactory;
import io.vmigrate.schema.serde.WireFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic of the protocol, declared once with its serdes. Keys are strings: the VM id for
 * everything the center consumes (so one VM's traffic is co-partitioned), the entry key for the
 * compacted registries.
 */
public final class Topics {

    public static final String MIGRATION_REQUESTS = "migration.requests";
    public static final String MIGRATION_REJECTIONS = "migration.rejections";
    public static final String HOST_EVENTS = "host.events";
    public static final String MIGRATION_AUDIT = "migration.audit";
    public static final String TRUST_REGISTRY = "trust.registry";
    public static final String VM_INVENTORY = "vm.inventory";
    public static final String SECURITY_ALERTS = "security.alerts";
    public static final String DEAD_LETTER = "vmigrate.dead-letter";
    public static final String HOST_ENROLLMENTS = "host.enrollments";
    public static final String VM_REGISTRATIONS = "vm.registrations";
    public static final String HOST_APPROVALS = "host.approvals";
    public static final String OPERATOR_GRANTS = "operator.grants";
    public static final String OPERATOR_REGISTRY = "operator.registry";
    public static final String CENTER_KEY_ROTATIONS = "center.key-rotations";

    private static final String HOST_COMMANDS_PREFIX = "host.";
    private static final String HOST_COMMANDS_SUFFIX = ".commands";
    /** Matches every per-host command topic; group 1 is the host id. */
    public static final Pattern HOST_COMMANDS_PATTERN = Pattern.compile("host\\.([A-Za-z0-9][A-Za-z0-9-]{0,62})\\.commands");

    private static final Map<String, String> COMPACTED = Map.of("cleanup.policy", "compact");
    private static final Map<String, String> RETAINED = Map.of("retention.ms", "-1");

    private final SerdeFactory serdes;
    private final Serde<String> keys = Serdes.String();

    private final Topic<String, OperatorRequest> migrationRequests;
    private final Topic<String, MigrationRejected> migrationRejections;
    private final Topic<String, SignedEnvelope> hostEvents;
    private final Topic<String, AuditRecord> migrationAudit;
    private final Topic<String, TrustRegistryEntry> trustRegistry;
    private final Topic<String, VmInventoryEntry> vmInventory;
    private final Topic<String, SecurityAlert> securityAlerts;
    private final Topic<byte[], byte[]> deadLetter;
    private final Topic<String, HostEnrollmentRequested> hostEnrollments;
    private final Topic<String, SignedEnvelope> vmRegistrations;
    private final Topic<String, OperatorRequest> hostApprovals;
    private final Topic<String, OperatorGrant> operatorGrants;
    private final Topic<String, OperatorGrant> operatorRegistry;
    private final Topic<String, OperatorRequest> centerKeyRotations;

    public Topics(SerdeFactory serdes) {
        this.serdes = serdes;
        this.migrationRequests = new Topic<>(MIGRATION_REQUESTS, keys, serdes.serde(OperatorRequest.class), Map.of());
        this.migrationRejections = new Topic<>(MIGRATION_REJECTIONS, keys, serdes.serde(MigrationRejected.class), Map.of());
        this.hostEvents = new Topic<>(HOST_EVENTS, keys, serdes.serde(SignedEnvelope.class), Map.of());
        // The audit trail is evidence: kept forever unless an operator decides otherwise.
        this.migrationAudit = new Topic<>(MIGRATION_AUDIT, keys, serdes.serde(AuditRecord.class), RETAINED);
        this.trustRegistry = new Topic<>(TRUST_REGISTRY, keys, serdes.serde(TrustRegistryEntry.class), COMPACTED);
        this.vmInventory = new Topic<>(VM_INVENTORY, keys, serdes.serde(VmInventoryEntry.class), COMPACTED);
        this.securityAlerts = new Topic<>(SECURITY_ALERTS, keys, serdes.serde(SecurityAlert.class), RETAINED);
        this.deadLetter = new Topic<>(DEAD_LETTER, Serdes.ByteArray(), Serdes.ByteArray(), RETAINED);
        this.hostEnrollments = new Topic<>(HOST_ENROLLMENTS, keys, serdes.serde(HostEnrollmentRequested.class), RETAINED);
        this.vmRegistrations = new Topic<>(VM_REGISTRATIONS, keys, serdes.serde(SignedEnvelope.class), Map.of());
        // Approvals and retirements are evidence of who trusted which host: kept like the audit.
        this.hostApprovals = new Topic<>(HOST_APPROVALS, keys, serdes.serde(OperatorRequest.class), RETAINED);
        // Admin-signed grants as published (evidence, kept), and the ones the center verified (compacted by key).
        this.operatorGrants = new Topic<>(OPERATOR_GRANTS, keys, serdes.serde(OperatorGrant.class), RETAINED);
        this.operatorRegistry = new Topic<>(OPERATOR_REGISTRY, keys, serdes.serde(OperatorGrant.class), COMPACTED);
        // Verified rotation requests as the admin signed them: evidence, kept like the approvals.
        this.centerKeyRotations = new Topic<>(CENTER_KEY_ROTATIONS, keys, serdes.serde(OperatorRequest.class), RETAINED);
    }

    /** Topics with the default wire format. */
    public static Topics withDefaultWireFormat() {
        return new Topics(WireFormat.DEFAULT.serdeFactory());
    }

    /** Operators' signed migrate and abort requests (key: VM id). */
    public Topic<String, OperatorRequest> migrationRequests() {
        return migrationRequests;
    }

    public Topic<String, MigrationRejected> migrationRejections() {
        return migrationRejections;
    }

    public Topic<String, SignedEnvelope> hostEvents() {
        return hostEvents;
    }

    public Topic<String, AuditRecord> migrationAudit() {
        return migrationAudit;
    }

    public Topic<String, TrustRegistryEntry> trustRegistry() {
        return trustRegistry;
    }

    public Topic<String, VmInventoryEntry> vmInventory() {
        return vmInventory;
    }

    public Topic<String, SecurityAlert> securityAlerts() {
        return securityAlerts;
    }

    /** Records that could not be processed, with the reason and their origin in headers. */
    public Topic<byte[], byte[]> deadLetter() {
        return deadLetter;
    }

    /** Hosts ask to be enrolled here (key: host id); the center answers on {@link #trustRegistry()}. */
    public Topic<String, HostEnrollmentRequested> hostEnrollments() {
        return hostEnrollments;
    }

    /**
     * The center's claim step: verified migration requests keyed by migration id, so that one task sees
     * every use of an id. Named after the center's Kafka Streams application id, as its internal topics
     * are, so only the center's grants cover it; the center creates it with the workflow's partition count.
     */
    public Topic<String, MigrationRequested> migrationIdClaims(String applicationId) {
        return new Topic<>(applicationId + "-migration-id-claims-repartition", keys, serdes.serde(MigrationRequested.class),
                Map.of());
    }

    /** Claimed requests on their way back to the VM-keyed workflow (key: VM id); the center's own, like the claims. */
    public Topic<String, MigrationRequested> claimedMigrationRequests(String applicationId) {
        return new Topic<>(applicationId + "-claimed-migration-requests-repartition", keys,
                serdes.serde(MigrationRequested.class), Map.of());
    }

    /**
     * VMs present on a host ask for their initial binding here (key: VM id, co-partitioned with requests):
     * VM_REGISTRATION_REQUESTED envelopes signed by the host's secure zone.
     */
    public Topic<String, SignedEnvelope> vmRegistrations() {
        return vmRegistrations;
    }

    /**
     * Operators' signed host approvals and retirements (key: host id, co-partitioned with
     * {@link #hostEnrollments()}); the center answers on {@link #trustRegistry()}.
     */
    public Topic<String, OperatorRequest> hostApprovals() {
        return hostApprovals;
    }

    /** Admin-signed operator grants and revocations, as anyone publishes them (key: operator key id). */
    public Topic<String, OperatorGrant> operatorGrants() {
        return operatorGrants;
    }

    /** The grants the center verified, newest per operator key; written by the center only, read into a global store. */
    public Topic<String, OperatorGrant> operatorRegistry() {
        return operatorRegistry;
    }

    /**
     * Admins' rotation requests the center verified (an ADMIN's ROTATE_CENTER_KEY, as signed), all under one
     * key so one center instance performs them in order; written by the center only, read by its key rotation trigger.
     */
    public Topic<String, OperatorRequest> centerKeyRotations() {
        return centerKeyRotations;
    }

    /** The command topic of one host: {@code host.<hostId>.commands}, signed envelopes keyed by VM id. */
    public Topic<String, SignedEnvelope> hostCommands(String hostId) {
        return new Topic<>(hostCommandsTopicName(hostId), keys, serdes.serde(SignedEnvelope.class), Map.of());
    }

    public static String hostCommandsTopicName(String hostId) {
        return HOST_COMMANDS_PREFIX + HostIds.requireValid(hostId) + HOST_COMMANDS_SUFFIX;
    }

    /** The host id of a per-host command topic, or empty for any other topic name. */
    public static Optional<String> hostIdOfCommandTopic(String topicName) {
        Matcher matcher = HOST_COMMANDS_PATTERN.matcher(topicName);
        return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /** The shared topics (not the per-host command topics), e.g. to create them at start. */
    public List<Topic<?, ?>> sharedTopics() {
        return List.of(migrationRequests, migrationRejections, hostEvents, migrationAudit, trustRegistry,
                vmInventory, securityAlerts, deadLetter, hostEnrollments, vmRegistrations, hostApprovals, operatorGrants,
                operatorRegistry, centerKeyRotations);
    }
}
