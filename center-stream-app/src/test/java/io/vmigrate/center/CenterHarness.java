package io.vmigrate.center;

import io.vmigrate.common.testing.ManualClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.center.VaultedVmKey;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.operator.OperatorRole;
import io.vmigrate.schema.operator.OperatorsFile;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.Verifier;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/** The real center topology in a TopologyTestDriver, with a test clock and helpers to play hosts and operator. */
final class CenterHarness implements AutoCloseable {

    static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    static final Duration DEADLINE = Duration.ofMinutes(2);
    static final Duration DEREGISTER_RETRY = Duration.ofSeconds(5);

    final Suite suite;
    final ManualClock clock = new ManualClock(START);
    final CenterVault vault;
    final Topics topics = Topics.withDefaultWireFormat();
    final TopologyTestDriver driver;
    final Verifier centerVerifier;

    final TestInputTopic<String, OperatorRequest> requests;
    final TestInputTopic<String, byte[]> rawRequests;
    final TestInputTopic<String, OperatorRequest> approvals;
    /** Known to the center from its operators file: an operator, an auditor and an admin. */
    final TestOperator operator;
    final TestOperator auditor;
    final TestOperator admin;
    /** The provisioning CA the center's provisioning-CA file names. */
    final io.vmigrate.trust.PrivateKeyHandle provisioningCa;
    /** The admin key the center's admin-key file names. */
    final io.vmigrate.trust.PrivateKeyHandle adminKey;
    final TestInputTopic<String, io.vmigrate.schema.request.OperatorGrant> grants;
    final TestInputTopic<String, io.vmigrate.schema.request.OperatorGrant> operatorRegistry;
    final TestInputTopic<String, SignedEnvelope> events;
    final TestInputTopic<byte[], byte[]> rawEvents;
    final TestInputTopic<String, SignedEnvelope> registrations;
    final TestInputTopic<String, byte[]> rawRegistrations;
    final TestInputTopic<String, io.vmigrate.schema.registry.HostEnrollmentRequested> enrollments;
    final TestOutputTopic<String, AuditRecord> auditTopic;
    final TestOutputTopic<String, MigrationRejected> rejectionsTopic;
    final TestOutputTopic<String, VmInventoryEntry> inventoryTopic;
    final TestOutputTopic<String, SecurityAlert> alertsTopic;
    final TestOutputTopic<byte[], byte[]> deadLetterTopic;
    final TestOutputTopic<String, TrustRegistryEntry> registryTopic;

    private final Map<String, TestOutputTopic<String, SignedEnvelope>> commandTopics = new HashMap<>();
    private final Map<String, SimulatedHost> preapproved = new HashMap<>();
    final Map<String, List<AuditRecord>> audit = new LinkedHashMap<>();
    final List<SignedEnvelope> allCommands = new ArrayList<>();
    final List<TestRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
    final List<SecurityAlert> alerts = new ArrayList<>();

    CenterHarness(Suite suite, Path dir) throws Exception {
        this(suite, dir, Map.of());
    }

    /** {@code overrides} replace Streams properties of the real center, e.g. the processing guarantee. */
    CenterHarness(Suite suite, Path dir, Map<String, String> overrides) throws Exception {
        this(suite, dir, overrides, List.of());
    }

    /** With hosts whose keys are made up front and listed in the center's allow-list ({@link #host} returns them). */
    CenterHarness(Suite suite, Path dir, Map<String, String> overrides, List<String> preapprovedHostIds) throws Exception {
        this(suite, dir, overrides, preapprovedHostIds, Map.of());
    }

    /** As above, with {@code centerSettings} replacing the center's own settings (e.g. its retentions). */
    CenterHarness(Suite suite, Path dir, Map<String, String> overrides, List<String> preapprovedHostIds,
            Map<String, String> centerSettings) throws Exception {
        this.suite = suite;
        this.vault = CenterVault.openOrCreate(dir.resolve("vault.bcfks"), "test-password".toCharArray(), suite);
        this.centerVerifier = CryptoSuites.get(suite).verifier(vault.centerPublicKey());
        this.operator = new TestOperator(suite, "olga", OperatorRole.OPERATOR, clock);
        this.auditor = new TestOperator(suite, "audrey", OperatorRole.AUDITOR, clock);
        this.admin = new TestOperator(suite, "ada", OperatorRole.ADMIN, clock);
        this.provisioningCa = CryptoSuites.get(suite).generateSigningKey();
        this.adminKey = CryptoSuites.get(suite).generateSigningKey();
        Path operatorsFile = dir.resolve("operators");
        OperatorsFile.write(operatorsFile, List.of(operator.known(), auditor.known(), admin.known()));
        Map<String, String> allowed = new LinkedHashMap<>();
        for (String hostId : preapprovedHostIds) {
            SimulatedHost host = new SimulatedHost(hostId, suite, clock);
            preapproved.put(hostId, host);
            allowed.put(hostId, host.signingKeyFingerprint());
        }
        Path allowList = dir.resolve("allow-list");
        HostAllowList.write(allowList, allowed);
        Path provisioningCas = dir.resolve("provisioning-cas");
        io.vmigrate.schema.keys.TrustAnchors.write(provisioningCas, "provisioning CAs", List.of(
                new io.vmigrate.schema.keys.TrustAnchors.Anchor("test-ca", provisioningCa.publicKey())));
        Map<String, String> settings = new LinkedHashMap<>(Map.of(
                CenterConfig.OPERATORS_FILE, operatorsFile.toString(),
                CenterConfig.HOSTS_ALLOWLIST_FILE, allowList.toString(),
                CenterConfig.BOOTSTRAP_SERVERS, "unused:9092",
                CenterConfig.VAULT_PASSWORD, "test-password",
                CenterConfig.SUITE, suite.name().toLowerCase(java.util.Locale.ROOT),
                CenterConfig.STATE_DIR, dir.resolve("state").toString(),
                CenterConfig.DEFAULT_DEADLINE_MS, Long.toString(DEADLINE.toMillis()),
                CenterConfig.DEREGISTER_RETRY_MS, Long.toString(DEREGISTER_RETRY.toMillis()),
                CenterConfig.PUNCTUATION_INTERVAL_MS, "1000",
                // The test driver puts every record on partition 0.
                CenterConfig.TOPIC_PARTITIONS, "1"));
        settings.put(CenterConfig.HOSTS_PROVISIONING_CA_FILE, provisioningCas.toString());
        Path adminKeys = dir.resolve("admin-keys");
        io.vmigrate.schema.keys.TrustAnchors.write(adminKeys, "admin keys", List.of(
                new io.vmigrate.schema.keys.TrustAnchors.Anchor("test-admin", adminKey.publicKey())));
        settings.put(CenterConfig.ADMIN_KEY_FILE, adminKeys.toString());
        settings.putAll(centerSettings);
        CenterConfig config = new CenterConfig(settings);
        Properties properties = CenterApp.streamsProperties(config);
        properties.putAll(overrides);
        this.driver = new TopologyTestDriver(CenterTopology.build(config, vault, topics, clock), properties, START);
        this.requests = input(topics.migrationRequests());
        this.rawRequests = driver.createInputTopic(Topics.MIGRATION_REQUESTS, new org.apache.kafka.common.serialization.StringSerializer(),
                new ByteArraySerializer(), START, Duration.ZERO);
        this.approvals = input(topics.hostApprovals());
        this.grants = input(topics.operatorGrants());
        this.operatorRegistry = input(topics.operatorRegistry());
        this.events = input(topics.hostEvents());
        this.rawEvents = driver.createInputTopic(Topics.HOST_EVENTS, new ByteArraySerializer(), new ByteArraySerializer());
        this.registrations = input(topics.vmRegistrations());
        this.rawRegistrations = driver.createInputTopic(Topics.VM_REGISTRATIONS,
                new org.apache.kafka.common.serialization.StringSerializer(), new ByteArraySerializer(), START, Duration.ZERO);
        this.enrollments = input(topics.hostEnrollments());
        this.auditTopic = output(topics.migrationAudit());
        this.rejectionsTopic = output(topics.migrationRejections());
        this.inventoryTopic = output(topics.vmInventory());
        this.alertsTopic = output(topics.securityAlerts());
        this.deadLetterTopic = driver.createOutputTopic(Topics.DEAD_LETTER, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.registryTopic = output(topics.trustRegistry());
    }

    private <V> TestInputTopic<String, V> input(io.vmigrate.schema.topic.Topic<String, V> topic) {
        return driver.createInputTopic(topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer(), START, Duration.ZERO);
    }

    private <V> TestOutputTopic<String, V> output(io.vmigrate.schema.topic.Topic<String, V> topic) {
        return driver.createOutputTopic(topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
    }

    SimulatedHost host(String hostId) {
        SimulatedHost known = preapproved.remove(hostId);
        return known != null ? known : new SimulatedHost(hostId, suite, clock);
    }

    /** A host that enrolled and that the operator approved by its secure-zone key fingerprint. */
    SimulatedHost enrolledHost(String hostId) {
        SimulatedHost host = pendingHost(hostId);
        approve(host);
        return host;
    }

    /** A host that enrolled and waits for approval. */
    SimulatedHost pendingHost(String hostId) {
        SimulatedHost host = host(hostId);
        enrollments.pipeInput(hostId, host.enrollment(clock.instant()));
        return host;
    }

    void approve(SimulatedHost host) {
        approvals.pipeInput(host.hostId, operator.sign(io.vmigrate.schema.request.HostApproval.newBuilder()
                .setHostId(host.hostId).setFingerprint(host.signingKeyFingerprint()).build()));
    }

    void retire(String hostId) {
        approvals.pipeInput(hostId, operator.sign(io.vmigrate.schema.request.HostRetirement.newBuilder()
                .setHostId(hostId).build()));
    }

    void advance(Duration duration) {
        clock.advance(duration);
        driver.advanceWallClockTime(duration);
    }

    /** Commands produced for {@code hostId} since the last call, each checked to be signed by the center. */
    List<OpenedEnvelope> commands(String hostId) throws Exception {
        var topic = commandTopics.computeIfAbsent(hostId, id -> output(topics.hostCommands(id)));
        EnvelopeOpener opener = new EnvelopeOpener(
                keyId -> keyId.equals(centerVerifier.keyId().toString()) ? Optional.of(centerVerifier) : Optional.empty(),
                clock, Duration.ZERO);
        List<OpenedEnvelope> opened = new ArrayList<>();
        for (var record : topic.readRecordsToList()) {
            assertThat(record.key()).isEqualTo(record.value().getVmId());
            assertThat(record.value().getHostId()).isEqualTo(hostId);
            allCommands.add(record.value());
            opened.add(opener.open(record.value()));
        }
        return opened;
    }

    <T extends org.apache.avro.specific.SpecificRecord> T onlyCommand(String hostId, Class<T> type) throws Exception {
        List<OpenedEnvelope> commands = commands(hostId);
        assertThat(commands).as("commands to " + hostId).hasSize(1);
        return commands.get(0).body(type);
    }

    void reply(SimulatedHost host, String migrationId, String vmId, long epoch, org.apache.avro.specific.SpecificRecord body) {
        events.pipeInput(vmId, host.reply(migrationId, vmId, epoch, body));
    }

    /** Registers {@code vmId} on {@code host} end to end and returns the epoch-0 fingerprint. */
    String register(String vmId, SimulatedHost host) throws Exception {
        registrations.pipeInput(vmId, host.registration(vmId));
        DeliverVmKey delivery = onlyCommand(host.hostId, DeliverVmKey.class);
        String fingerprint = delivery.getBinding().getKeyFingerprint();
        reply(host, delivery.getMigrationId(), vmId, 0, KeyInstallReply.newBuilder().setMigrationId(delivery.getMigrationId())
                .setVmId(vmId).setHostId(host.hostId).setOutcome(KeyInstallOutcome.INSTALLED).setKeyFingerprint(fingerprint)
                .setEpoch(0).build());
        return fingerprint;
    }

    void request(String migrationId, String vmId, String source, String destination) {
        requests.pipeInput(vmId, operator.sign(migrationRequest(migrationId, vmId, source, destination)));
    }

    MigrationRequested migrationRequest(String migrationId, String vmId, String source, String destination) {
        return MigrationRequested.newBuilder().setMigrationId(migrationId).setVmId(vmId)
                .setSourceHostId(source).setDestinationHostId(destination).setRequestedBy("typed-by-the-requester")
                .setRequestedAt(clock.instant()).setDeadline(null).build();
    }

    void abort(String migrationId, String vmId) {
        requests.pipeInput(vmId, operator.sign(io.vmigrate.schema.request.AbortRequested.newBuilder()
                .setMigrationId(migrationId).setVmId(vmId).build()));
    }

    /** Drains the audit topic into {@link #audit} and returns one migration's records. */
    List<AuditRecord> audit(String migrationId) {
        drain();
        return audit.getOrDefault(migrationId, List.of());
    }

    void drain() {
        for (var record : auditTopic.readRecordsToList()) {
            assertThat(record.key()).isEqualTo(record.value().getMigrationId());
            audit.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(record.value());
        }
        deadLetters.addAll(deadLetterTopic.readRecordsToList());
        alerts.addAll(alertsTopic.readValuesToList());
    }

    MigrationState state(String vmId) {
        return driver.<String, MigrationState>getKeyValueStore(CenterTopology.MIGRATIONS_STORE).get(vmId);
    }

    VmInventoryEntry binding(String vmId) {
        return driver.<String, VmInventoryEntry>getKeyValueStore(CenterTopology.BINDINGS_STORE).get(vmId);
    }

    VaultedVmKey vmKey(String vmId, long epoch) {
        return driver.<String, VaultedVmKey>getKeyValueStore(CenterTopology.VM_KEYS_STORE).get(vmId + "@" + epoch);
    }

    @Override
    public void close() {
        driver.close();
        vault.close();
    }
}
