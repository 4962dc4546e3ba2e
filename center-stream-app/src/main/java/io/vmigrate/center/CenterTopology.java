package io.vmigrate.center;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.center.VaultedVmKey;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.serde.SerdeFactory;
import io.vmigrate.schema.topic.Topic;
import io.vmigrate.schema.topic.Topics;
import java.time.Clock;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The center's topology, processor API, every node and store named.
 *
 * <ul>
 *   <li>Workflow sub-topology: {@code migration.requests}, {@code host.events} and
 *   {@code vm.registrations} (all keyed by VM id, co-partitioned) into {@link MigrationRequestProcessor}
 *   (node {@value #REQUEST_VALIDATOR}), {@link HostReplyProcessor} (which schedules the {@link WorkflowTicker})
 *   and {@link RegistrationProcessor}, thin adapters of one {@link io.vmigrate.center.workflow.MigrationMachine}, sharing the stores {@code migrations}, {@code bindings},
 *   {@code vm-keys} and {@code registrations}; out to the per-host command topics, rejections,
 *   audit, inventory, alerts and dead letters.</li>
 *   <li>Claim sub-topology: a verified migration request leaves {@link MigrationRequestProcessor} keyed by
 *   migration id for {@link MigrationIdClaimProcessor} (node {@value #MIGRATION_ID_CLAIMER}, store
 *   {@code migration-id-claims}): the first claim of an id wins, a reuse for another VM is rejected; the
 *   claimed request returns keyed by VM id to {@link ClaimedRequestProcessor} in the workflow.</li>
 *   <li>Enrollment sub-topology: {@code host.enrollments} and {@code host.approvals} (keyed by host id,
 *   co-partitioned) into {@link EnrollmentProcessor} and {@link HostApprovalProcessor}, sharing the stores
 *   {@code enrollments} and {@code pending-enrollments}; out to {@code trust.registry}.</li>
 *   <li>Global store {@code trust-registry} from {@code trust.registry} (the center's current entries only,
 *   see {@link CenterRegistryEntries}), read by the workflow for hosts' public keys. Records that contest
 *   a key the center holds are answered outside the topology, by {@link RegistryReasserter}.</li>
 * </ul>
 */
public final class CenterTopology {

    public static final String MIGRATION_REQUESTS_SOURCE = "migration-requests-source";
    public static final String HOST_EVENTS_SOURCE = "host-events-source";
    public static final String VM_REGISTRATIONS_SOURCE = "vm-registrations-source";
    public static final String HOST_ENROLLMENTS_SOURCE = "host-enrollments-source";
    public static final String HOST_APPROVALS_SOURCE = "host-approvals-source";
    public static final String TRUST_REGISTRY_SOURCE = "trust-registry-source";
    public static final String MIGRATION_ID_CLAIMS_SOURCE = "migration-id-claims-source";
    public static final String CLAIMED_REQUESTS_SOURCE = "claimed-migration-requests-source";

    public static final String REQUEST_VALIDATOR = "request-validator";
    public static final String HOST_REPLY_PROCESSOR = "host-reply-processor";
    public static final String REGISTRATION_PROCESSOR = "registration-processor";
    public static final String ENROLLMENT_PROCESSOR = "enrollment-processor";
    public static final String HOST_APPROVAL_PROCESSOR = "host-approval-processor";
    public static final String TRUST_REGISTRY_UPDATER = "trust-registry-updater";
    public static final String MIGRATION_ID_CLAIMER = "migration-id-claimer";
    public static final String CLAIMED_REQUEST_PROCESSOR = "claimed-request-processor";

    public static final String HOST_COMMANDS_SINK = "host-commands-sink";
    public static final String REJECTIONS_SINK = "migration-rejections-sink";
    public static final String AUDIT_SINK = "migration-audit-sink";
    public static final String INVENTORY_SINK = "vm-inventory-sink";
    public static final String ALERTS_SINK = "security-alerts-sink";
    public static final String DEAD_LETTER_SINK = "dead-letter-sink";
    public static final String ENROLLMENT_REGISTRY_SINK = "enrollment-trust-registry-sink";
    public static final String ENROLLMENT_ALERTS_SINK = "enrollment-security-alerts-sink";
    public static final String ENROLLMENT_DEAD_LETTER_SINK = "enrollment-dead-letter-sink";
    public static final String MIGRATION_ID_CLAIMS_SINK = "migration-id-claims-sink";
    public static final String CLAIMED_REQUESTS_SINK = "claimed-migration-requests-sink";
    public static final String CLAIM_REJECTIONS_SINK = "claim-migration-rejections-sink";
    public static final String CLAIM_ALERTS_SINK = "claim-security-alerts-sink";
    public static final String CLAIM_DEAD_LETTER_SINK = "claim-dead-letter-sink";
    /** A newly approved host's command topic: the center key rotations so far, on every partition. */
    public static final String ENROLLMENT_COMMANDS_SINK = "enrollment-host-commands-sink";
    /** Admins' verified center key rotation requests, for {@link CenterKeyRotationTrigger}. */
    public static final String CENTER_KEY_ROTATIONS_SINK = "center-key-rotations-sink";

    /** VM id → {@link MigrationState} of its current or last migration. */
    public static final String MIGRATIONS_STORE = "migrations";
    /**
     * Migration id → {@link MigrationState}, every migration ever handled (the {@code migrations} store keeps
     * only the latest per VM). Written by the VM-keyed workflow, so an entry lives in the task of its VM's
     * partition, not of its own key's: look a migration id up in every instance's local store.
     */
    public static final String MIGRATIONS_BY_ID_STORE = "migrations-by-id";
    /** Finished migrations by the time {@code migrations-by-id} may forget them ({@link RetentionIndex}). */
    public static final String FINISHED_MIGRATIONS_STORE = "finished-migrations";
    /** VM id → {@link VmInventoryEntry}: the committed binding. */
    public static final String BINDINGS_STORE = "bindings";
    /** {@code <vmId>@<epoch>} → {@link VaultedVmKey}: VM private keys, only under the vault's KEK. */
    public static final String VM_KEYS_STORE = "vm-keys";
    /** VM id → {@link VmRegistrationRequested} awaiting its first binding. */
    public static final String REGISTRATIONS_STORE = "registrations";
    /** Host id → the {@link TrustRegistryEntry} issued at its enrollment (idempotency of enrollment). */
    public static final String ENROLLMENTS_STORE = "enrollments";
    /** Host id → the {@code pending-host:} entry of a host that enrolled but is not approved yet. */
    public static final String PENDING_ENROLLMENTS_STORE = "pending-enrollments";
    /**
     * Migration id → the first verified {@link MigrationRequested} that claimed it, in the claim
     * sub-topology keyed by migration id: one task holds every use of an id, whatever its VM's partition.
     */
    public static final String MIGRATION_ID_CLAIMS_STORE = "migration-id-claims";
    /** Claimed migration ids by the time {@code migration-id-claims} may forget them ({@link RetentionIndex}). */
    public static final String MIGRATION_ID_CLAIMS_BY_TIME_STORE = "migration-id-claims-by-time";
    /** Global: registry entry key → center-signed {@link TrustRegistryEntry}. */
    public static final String TRUST_REGISTRY_STORE = "trust-registry";

    static final CenterOutputs.Sinks WORKFLOW_SINKS = new CenterOutputs.Sinks(HOST_COMMANDS_SINK, REJECTIONS_SINK,
            AUDIT_SINK, INVENTORY_SINK, ALERTS_SINK, DEAD_LETTER_SINK, null);
    static final CenterOutputs.Sinks ENROLLMENT_SINKS = new CenterOutputs.Sinks(ENROLLMENT_COMMANDS_SINK, null, null, null,
            ENROLLMENT_ALERTS_SINK, ENROLLMENT_DEAD_LETTER_SINK, ENROLLMENT_REGISTRY_SINK);
    static final CenterOutputs.Sinks CLAIM_SINKS = new CenterOutputs.Sinks(null, CLAIM_REJECTIONS_SINK, null, null,
            CLAIM_ALERTS_SINK, CLAIM_DEAD_LETTER_SINK, null);

    private CenterTopology() {}

    /** Builds the topology from typed config, the vault, the topics and the clock used for deadlines and expiry. */
    public static Topology build(CenterConfig config, CenterVault vault, Topics topics, Clock clock) {
        return build(config, vault, topics, clock, CenterMetrics.NONE);
    }

    /** As {@link #build(CenterConfig, CenterVault, Topics, Clock)}, recording into {@code metrics}. */
    public static Topology build(CenterConfig config, CenterVault vault, Topics topics, Clock clock, CenterMetrics metrics) {
        return build(WorkflowSettings.from(config), CenterAccess.from(config), config.wireFormat().serdeFactory(), vault,
                topics, config.getString(CenterConfig.APPLICATION_ID), clock, metrics);
    }

    /** {@code applicationId} names the center's own claim topics ({@link Topics#migrationIdClaims}). */
    public static Topology build(WorkflowSettings settings, CenterAccess access, SerdeFactory serdes, CenterVault vault,
            Topics topics, String applicationId, Clock clock, CenterMetrics metrics) {
        CenterServices services = new CenterServices(vault, settings, access, clock, metrics);
        Serde<String> keys = Serdes.String();
        Topology topology = new Topology();

        // --- workflow sub-topology (keyed by VM id)
        Topic<String, OperatorRequest> requests = topics.migrationRequests();
        Topic<String, SignedEnvelope> events = topics.hostEvents();
        Topic<String, SignedEnvelope> registrations = topics.vmRegistrations();
        // Requests are read as bytes: the processor decodes them, so that whatever is not a signed request
        // (an unsigned MigrationRequested included) is refused with an alert, not only dead-lettered.
        topology.addSource(MIGRATION_REQUESTS_SOURCE, requests.keySerde().deserializer(),
                Serdes.ByteArray().deserializer(), requests.name());
        topology.addSource(HOST_EVENTS_SOURCE, events.keySerde().deserializer(), events.valueSerde().deserializer(), events.name());
        // Registrations as bytes too: the processor verifies each before anything of its body is read, and
        // tells an unsigned registration of old from other bytes.
        topology.addSource(VM_REGISTRATIONS_SOURCE, registrations.keySerde().deserializer(),
                Serdes.ByteArray().deserializer(), registrations.name());
        topology.addProcessor(REQUEST_VALIDATOR,
                () -> new MigrationRequestProcessor(services, requests.valueSerde().deserializer()),
                MIGRATION_REQUESTS_SOURCE);
        topology.addProcessor(HOST_REPLY_PROCESSOR,
                () -> new HostReplyProcessor(services, events.valueSerde().serializer()), HOST_EVENTS_SOURCE);
        topology.addProcessor(REGISTRATION_PROCESSOR,
                () -> new RegistrationProcessor(services, registrations.valueSerde().deserializer()), VM_REGISTRATIONS_SOURCE);
        // A verified migration request leaves the workflow to claim its id (keyed by migration id) and
        // comes back, claimed, keyed by its VM id: only then does the workflow machine see it.
        Topic<String, MigrationRequested> claims = topics.migrationIdClaims(applicationId);
        Topic<String, MigrationRequested> claimed = topics.claimedMigrationRequests(applicationId);
        topology.addSink(MIGRATION_ID_CLAIMS_SINK, claims.name(), claims.keySerde().serializer(),
                claims.valueSerde().serializer(), REQUEST_VALIDATOR);
        topology.addSource(CLAIMED_REQUESTS_SOURCE, claimed.keySerde().deserializer(), claimed.valueSerde().deserializer(),
                claimed.name());
        topology.addProcessor(CLAIMED_REQUEST_PROCESSOR,
                () -> new ClaimedRequestProcessor(services, claimed.valueSerde().serializer()), CLAIMED_REQUESTS_SOURCE);
        String[] workflow = {REQUEST_VALIDATOR, HOST_REPLY_PROCESSOR, REGISTRATION_PROCESSOR, CLAIMED_REQUEST_PROCESSOR};
        topology.addStateStore(store(MIGRATIONS_STORE, serdes.serde(MigrationState.class)), workflow);
        topology.addStateStore(store(MIGRATIONS_BY_ID_STORE, serdes.serde(MigrationState.class)), workflow);
        topology.addStateStore(store(FINISHED_MIGRATIONS_STORE, Serdes.String()), workflow);
        topology.addStateStore(store(BINDINGS_STORE, serdes.serde(VmInventoryEntry.class)), workflow);
        topology.addStateStore(store(VM_KEYS_STORE, serdes.serde(VaultedVmKey.class)), workflow);
        topology.addStateStore(store(REGISTRATIONS_STORE, serdes.serde(VmRegistrationRequested.class)), workflow);

        TopicNameExtractor<String, SignedEnvelope> toHost =
                (key, command, recordContext) -> Topics.hostCommandsTopicName(command.getHostId());
        topology.addSink(HOST_COMMANDS_SINK, toHost, keys.serializer(),
                topics.hostCommands("any").valueSerde().serializer(), workflow);
        topology.addSink(REJECTIONS_SINK, topics.migrationRejections().name(), keys.serializer(),
                topics.migrationRejections().valueSerde().serializer(), REQUEST_VALIDATOR, CLAIMED_REQUEST_PROCESSOR);
        topology.addSink(AUDIT_SINK, topics.migrationAudit().name(), keys.serializer(),
                topics.migrationAudit().valueSerde().serializer(), workflow);
        topology.addSink(INVENTORY_SINK, topics.vmInventory().name(), keys.serializer(),
                topics.vmInventory().valueSerde().serializer(), workflow);
        topology.addSink(ALERTS_SINK, topics.securityAlerts().name(), keys.serializer(),
                topics.securityAlerts().valueSerde().serializer(), workflow);
        topology.addSink(DEAD_LETTER_SINK, topics.deadLetter().name(), topics.deadLetter().keySerde().serializer(),
                topics.deadLetter().valueSerde().serializer(), workflow);

        // --- claim sub-topology (keyed by migration id)
        topology.addSource(MIGRATION_ID_CLAIMS_SOURCE, claims.keySerde().deserializer(), claims.valueSerde().deserializer(),
                claims.name());
        topology.addProcessor(MIGRATION_ID_CLAIMER,
                () -> new MigrationIdClaimProcessor(services, claims.valueSerde().serializer()), MIGRATION_ID_CLAIMS_SOURCE);
        topology.addStateStore(store(MIGRATION_ID_CLAIMS_STORE, serdes.serde(MigrationRequested.class)), MIGRATION_ID_CLAIMER);
        topology.addStateStore(store(MIGRATION_ID_CLAIMS_BY_TIME_STORE, Serdes.String()), MIGRATION_ID_CLAIMER);
        topology.addSink(CLAIMED_REQUESTS_SINK, claimed.name(), claimed.keySerde().serializer(),
                claimed.valueSerde().serializer(), MIGRATION_ID_CLAIMER);
        topology.addSink(CLAIM_REJECTIONS_SINK, topics.migrationRejections().name(), keys.serializer(),
                topics.migrationRejections().valueSerde().serializer(), MIGRATION_ID_CLAIMER);
        topology.addSink(CLAIM_ALERTS_SINK, topics.securityAlerts().name(), keys.serializer(),
                topics.securityAlerts().valueSerde().serializer(), MIGRATION_ID_CLAIMER);
        topology.addSink(CLAIM_DEAD_LETTER_SINK, topics.deadLetter().name(), topics.deadLetter().keySerde().serializer(),
                topics.deadLetter().valueSerde().serializer(), MIGRATION_ID_CLAIMER);

        // --- enrollment sub-topology (keyed by host id)
        var enrollments = topics.hostEnrollments();
        topology.addSource(HOST_ENROLLMENTS_SOURCE, enrollments.keySerde().deserializer(),
                enrollments.valueSerde().deserializer(), enrollments.name());
        topology.addProcessor(ENROLLMENT_PROCESSOR,
                () -> new EnrollmentProcessor(services, enrollments.valueSerde().serializer()), HOST_ENROLLMENTS_SOURCE);
        // Operators' approvals and retirements (keyed by host id, co-partitioned with enrollments), as bytes:
        // the processor verifies each before it reads anything of it.
        Topic<String, OperatorRequest> approvals = topics.hostApprovals();
        topology.addSource(HOST_APPROVALS_SOURCE, approvals.keySerde().deserializer(), Serdes.ByteArray().deserializer(),
                approvals.name());
        topology.addProcessor(HOST_APPROVAL_PROCESSOR,
                () -> new HostApprovalProcessor(services, approvals.valueSerde().deserializer()), HOST_APPROVALS_SOURCE);
        String[] enrollment = {ENROLLMENT_PROCESSOR, HOST_APPROVAL_PROCESSOR};
        topology.addStateStore(store(ENROLLMENTS_STORE, serdes.serde(TrustRegistryEntry.class)), enrollment);
        topology.addStateStore(store(PENDING_ENROLLMENTS_STORE, serdes.serde(TrustRegistryEntry.class)), enrollment);
        topology.addSink(ENROLLMENT_REGISTRY_SINK, topics.trustRegistry().name(), keys.serializer(),
                topics.trustRegistry().valueSerde().serializer(), enrollment);
        topology.addSink(ENROLLMENT_ALERTS_SINK, topics.securityAlerts().name(), keys.serializer(),
                topics.securityAlerts().valueSerde().serializer(), enrollment);
        topology.addSink(ENROLLMENT_DEAD_LETTER_SINK, topics.deadLetter().name(), topics.deadLetter().keySerde().serializer(),
                topics.deadLetter().valueSerde().serializer(), enrollment);
        topology.addSink(ENROLLMENT_COMMANDS_SINK, toHost, keys.serializer(),
                topics.hostCommands("any").valueSerde().serializer(), new EveryPartition<>(), ENROLLMENT_PROCESSOR,
                HOST_APPROVAL_PROCESSOR);
        topology.addSink(CENTER_KEY_ROTATIONS_SINK, topics.centerKeyRotations().name(), keys.serializer(),
                Serdes.ByteArray().serializer(), HOST_APPROVAL_PROCESSOR);

        // --- operators registered by an admin key: their own sub-topology and global store
        OperatorGrantTopology.addTo(topology, services, topics, serdes);

        // --- global registry of enrolled hosts (its source topic is its changelog). Its values are read by
        // a deserializer that never throws: see RegistryRecordDeserializer for why no failure may reach Streams.
        Topic<String, TrustRegistryEntry> registry = topics.trustRegistry();
        topology.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TRUST_REGISTRY_STORE), keys, registry.valueSerde())
                        .withLoggingDisabled(),
                TRUST_REGISTRY_SOURCE, registry.keySerde().deserializer(),
                new RegistryRecordDeserializer(registry.valueSerde().deserializer()),
                registry.name(), TRUST_REGISTRY_UPDATER,
                () -> new RegistryStoreUpdater(new CenterRegistryEntries(vault::verifierOf), metrics));
        return topology;
    }

    private static <V> StoreBuilder<KeyValueStore<String, V>> store(String name, Serde<V> valueSerde) {
        // Persistent with a changelog (the default): a restarted center resumes every migration.
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), valueSerde);
    }
}
