package io.vmigrate.center;

import io.vmigrate.schema.workflow.MigrationSteps;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.topic.TopicProvisioner;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.SealedKeyStoreException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vmigrate.center.status.CenterStatusServer;
import io.vmigrate.center.status.StatusQueries;
import java.net.URI;
import java.util.Optional;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import io.vmigrate.schema.registry.CenterKeyRotation;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running center: opens the vault, publishes the center key to {@code trust.registry}, and runs
 * the {@link CenterTopology} in Kafka Streams with exactly-once. Local state is never wiped at start.
 */
public final class CenterApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CenterApp.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final long PUBLISH_TIMEOUT_SECONDS = 60;

    private final CenterConfig config;
    private final CenterVault vault;
    private final Topics topics;
    private final KafkaStreams streams;
    private final boolean ownsVault;
    private final PrometheusMeterRegistry meterRegistry;
    private final KafkaStreamsMetrics streamsMetrics;
    private final CenterStatusServer statusServer;
    private final HostInfo self;
    private final RegistryReasserter reasserter;
    private final Thread reasserterThread;
    private final KafkaProducer<String, TrustRegistryEntry> registryProducer;
    private final CenterKeyRotator rotator;
    private final CenterKeyRotationTrigger rotationTrigger;
    private final Thread rotationTriggerThread;
    /** Center key ids read on the registry that this vault did not know, each looked for in the vault file once. */
    private final java.util.Set<String> unknownCenterKeys = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final int MAX_UNKNOWN_CENTER_KEYS = 1024;

    private CenterApp(CenterConfig config, CenterVault vault, Clock clock, boolean ownsVault) {
        this.config = Objects.requireNonNull(config, "config");
        this.vault = Objects.requireNonNull(vault, "vault");
        this.ownsVault = ownsVault;
        if (vault.suite() != config.suite()) {
            throw new IllegalArgumentException("vault suite " + vault.suite() + " differs from configured " + config.suite());
        }
        this.topics = new Topics(config.wireFormat().serdeFactory());
        this.meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CenterMetrics metrics = new MicrometerCenterMetrics(meterRegistry);
        Topology topology = CenterTopology.build(config, vault, topics, clock, metrics);
        Properties properties = streamsProperties(config);
        properties.put(CenterMetricsHandle.CONFIG, metrics);
        // Bound before Streams starts: the port (possibly a free one) is what other instances are told.
        this.statusServer = config.httpEnabled()
                ? CenterStatusServer.bind(config.getString(CenterConfig.HTTP_HOST), config.getInt(CenterConfig.HTTP_PORT))
                : null;
        this.self = statusServer == null ? null : new HostInfo(config.httpAdvertisedHost(), statusServer.port());
        if (self != null) {
            properties.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        }
        this.streams = new KafkaStreams(topology, properties);
        var registry = topics.trustRegistry();
        this.registryProducer = new KafkaProducer<>(registryProducerConfig(), registry.keySerde().serializer(),
                registry.valueSerde().serializer());
        this.reasserter = newReasserter(metrics, registryProducer);
        this.rotator = new CenterKeyRotator(vault, topics, clock, config.keyRotationOverlap(), config.commandTtl(),
                registryProducerConfig(), registryProducer, this::registryStoreEntries);
        this.reasserterThread = new Thread(reasserter, "center-registry-reasserter");
        reasserterThread.setDaemon(true);
        this.rotationTrigger = newRotationTrigger(clock);
        this.rotationTriggerThread = new Thread(rotationTrigger, "center-key-rotation-trigger");
        rotationTriggerThread.setDaemon(true);
        this.streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(meterRegistry);
        Gauge.builder(MicrometerCenterMetrics.IN_FLIGHT, this, CenterApp::localMigrationsInFlight)
                .description("Migrations in flight in this instance's partitions")
                .register(meterRegistry);
        // An exception that escaped every handler: replace the thread (its tasks resume from the
        // last commit) rather than run on with fewer threads or die.
        streams.setUncaughtExceptionHandler(exception -> {
            LOG.error("center stream thread died; replacing it", exception);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    }

    /** Opens the vault from config (creating it on first start) and starts the center. */
    public static CenterApp start(CenterConfig config) throws SealedKeyStoreException {
        char[] password = config.vaultPassword().value().toCharArray();
        CenterVault vault;
        try {
            vault = CenterVault.openOrCreate(config.vaultPath(), password, config.suite());
        } finally {
            java.util.Arrays.fill(password, '\0');
        }
        CenterApp app = new CenterApp(config, vault, Clock.systemUTC(), true);
        try {
            app.start();
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
        return app;
    }

    /** A center around an already open vault (which the caller keeps and closes); call {@link #start()}. */
    public static CenterApp create(CenterConfig config, CenterVault vault, Clock clock) {
        return new CenterApp(config, vault, clock, false);
    }

    /**
     * Provisions topics if configured (its own claim topics always), writes the public key file if configured,
     * publishes the center key, starts Streams.
     */
    public void start() {
        if (config.getBoolean(CenterConfig.PROVISION_TOPICS)) {
            provisionTopics();
        }
        config.publicKeyPath().ifPresent(path -> {
            vault.writePublicKey(path);
            LOG.info("center public key {} written to {}", vault.centerPublicKey().keyId(), path);
        });
        provisionClaimTopics();
        checkWorkflowPartitions();
        publishCenterKey();
        streams.start();
        reasserterThread.start();
        rotationTriggerThread.start();
        if (statusServer != null) {
            statusServer.start(new StatusQueries(streams, self, config.httpForwardTimeout()), meterRegistry::scrape);
        }
        LOG.info("center {} started (suite {}, center key {})", config.getString(CenterConfig.APPLICATION_ID),
                vault.suite(), vault.centerPublicKey().keyId());
    }

    /** The Kafka Streams properties the center runs with. */
    public static Properties streamsProperties(CenterConfig config) {
        Properties properties = new Properties();
        properties.putAll(config.originalsWithPrefix(CenterConfig.STREAMS_PASSTHROUGH_PREFIX));
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, config.getString(CenterConfig.APPLICATION_ID));
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", config.getList(CenterConfig.BOOTSTRAP_SERVERS)));
        properties.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        properties.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.getLong(CenterConfig.COMMIT_INTERVAL_MS));
        properties.put(StreamsConfig.POLL_MS_CONFIG, config.getLong(CenterConfig.POLL_MS));
        properties.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.getInt(CenterConfig.INTERNAL_REPLICATION_FACTOR));
        properties.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        properties.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class);
        properties.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
        properties.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, CategorizingProductionHandler.class);
        return properties;
    }

    private void provisionTopics() {
        try (Admin admin = Admin.create(adminConfig())) {
            new TopicProvisioner(admin, config.getInt(CenterConfig.TOPIC_PARTITIONS),
                    config.getInt(CenterConfig.INTERNAL_REPLICATION_FACTOR).shortValue()).provisionShared(topics);
        }
    }

    /**
     * The workflow and enrollment processors refuse a record that sits on another partition than its key maps to, computed with
     * the configured partition count; if the topics have another count, every record would be refused.
     */
    private void checkWorkflowPartitions() {
        int expected = config.getInt(CenterConfig.TOPIC_PARTITIONS);
        List<String> names = new ArrayList<>(List.of(topics.migrationRequests().name(), topics.hostEvents().name(),
                topics.vmRegistrations().name(), topics.hostEnrollments().name(), topics.hostApprovals().name()));
        claimTopics().forEach(topic -> names.add(topic.name()));
        try (Admin admin = Admin.create(adminConfig())) {
            var described = admin.describeTopics(names).allTopicNames().get(PUBLISH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            for (var topic : described.values()) {
                if (topic.partitions().size() != expected) {
                    throw new IllegalStateException("topic " + topic.name() + " has " + topic.partitions().size()
                            + " partitions but " + CenterConfig.TOPIC_PARTITIONS + " is " + expected
                            + "; set it to the topics' count (the workflow checks each record's partition against it)");
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe the workflow topics " + names + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing the workflow topics", e);
        }
    }

    /**
     * The claim step's topics are the center's own, as Kafka Streams' internal topics are: created by the
     * center whether or not it provisions the shared topics, with the workflow's partition count.
     */
    private void provisionClaimTopics() {
        try (Admin admin = Admin.create(adminConfig())) {
            new TopicProvisioner(admin, config.getInt(CenterConfig.TOPIC_PARTITIONS),
                    config.getInt(CenterConfig.INTERNAL_REPLICATION_FACTOR).shortValue()).provision(claimTopics());
        }
    }

    private List<io.vmigrate.schema.topic.Topic<?, ?>> claimTopics() {
        String applicationId = config.getString(CenterConfig.APPLICATION_ID);
        return List.of(topics.migrationIdClaims(applicationId), topics.claimedMigrationRequests(applicationId));
    }

    private Map<String, Object> adminConfig() {
        Map<String, Object> merged = new java.util.HashMap<>(config.originalsWithPrefix(CenterConfig.STREAMS_PASSTHROUGH_PREFIX));
        merged.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", config.getList(CenterConfig.BOOTSTRAP_SERVERS)));
        return merged;
    }

    /**
     * The center's {@code center:<keyId>} entries, one per key of its vault, each signed by its
     * predecessor ({@link CenterKeyRing#registryEntries}); compaction keeps the latest of each.
     */
    private void publishCenterKey() {
        rotator.publishCenterKeys();
        LOG.info("center key entries published to {} (signing key {})", topics.trustRegistry().name(),
                vault.signingPublicKey().keyId());
    }

    /**
     * Rolls the center's signing key while it runs ({@link CenterKeyRotator}): every approved host's
     * secure zone is told, signed by the current key, before the new key signs anything. Returns the
     * statement announced.
     */
    public CenterKeyRotation rotateCenterKey() throws SealedKeyStoreException {
        return rotator.rotate();
    }

    /** Connection settings (the Streams passthrough, security included) of the center's own registry clients. */
    private Map<String, Object> registryClientConfig() {
        Map<String, Object> client = new java.util.HashMap<>(config.originalsWithPrefix(CenterConfig.STREAMS_PASSTHROUGH_PREFIX));
        client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", config.getList(CenterConfig.BOOTSTRAP_SERVERS)));
        return client;
    }

    private Map<String, Object> registryProducerConfig() {
        Map<String, Object> producerConfig = registryClientConfig();
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        return producerConfig;
    }

    private RegistryReasserter newReasserter(CenterMetrics metrics, KafkaProducer<String, TrustRegistryEntry> producer) {
        Map<String, Object> consumerConfig = registryClientConfig();
        // No group: it reads every partition from the beginning at each start and commits nothing.
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        var registry = topics.trustRegistry();
        var consumer = new KafkaConsumer<>(consumerConfig, registry.keySerde().deserializer(), new ByteArrayDeserializer());
        return new RegistryReasserter(consumer, producer, registry,
                new CenterRegistryEntries(vault::verifierOf), metrics,
                this::registryStoreEntries, this::centerKeySeen);
    }

    /**
     * A {@code center:<keyId>} entry for a key this vault does not hold: another instance sharing the vault file
     * rotated, so reload it (once per key id, a bounded number of ids: anyone may write such an entry).
     */
    private void centerKeySeen(String keyId) {
        if (vault.verifierOf(keyId).isPresent() || unknownCenterKeys.size() >= MAX_UNKNOWN_CENTER_KEYS
                || !unknownCenterKeys.add(keyId)) {
            return;
        }
        try {
            vault.reload();
        } catch (SealedKeyStoreException | RuntimeException e) {
            LOG.warn("center key {} is on the registry but the vault cannot be reloaded: {}", keyId, e.toString());
        }
    }

    /** The consumer of {@code center.key-rotations}: one group for every instance (see {@link CenterKeyRotationTrigger}). */
    private CenterKeyRotationTrigger newRotationTrigger(Clock clock) {
        Map<String, Object> consumerConfig = registryClientConfig();
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, config.getString(CenterConfig.APPLICATION_ID) + "-key-rotation");
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        // A rotation waits for every announcement's acknowledgement; the group must not drop the instance meanwhile.
        consumerConfig.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 600_000);
        var requests = topics.centerKeyRotations();
        var consumer = new KafkaConsumer<>(consumerConfig, requests.keySerde().deserializer(), new ByteArrayDeserializer());
        CenterAccess access = CenterAccess.from(config);
        Duration skew = WorkflowSettings.from(config).allowedClockSkew();
        var handler = new CenterKeyRotationRequestHandler(vault,
                requestId -> rotator.rotate(Optional.of(requestId)), requests.valueSerde().deserializer(),
                () -> new io.vmigrate.schema.operator.OperatorRequestOpener(GrantedOperators.of(access, grantStore(), skew,
                        clock), clock, skew));
        return new CenterKeyRotationTrigger(consumer, requests.name(), handler);
    }

    /** The operator grants the center verified (its global store); throws while it cannot be queried. */
    private ReadOnlyKeyValueStore<String, io.vmigrate.schema.request.OperatorGrant> grantStore() {
        return streams.store(StoreQueryParameters.fromNameAndType(OperatorGrantTopology.OPERATOR_REGISTRY_STORE,
                QueryableStoreTypes.<String, io.vmigrate.schema.request.OperatorGrant>keyValueStore()));
    }

    /** Every entry of the global {@code trust-registry} store; empty while it cannot be queried. */
    private Optional<java.util.List<TrustRegistryEntry>> registryStoreEntries() {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return Optional.empty();
        }
        try (KeyValueIterator<String, TrustRegistryEntry> all = streams.store(StoreQueryParameters.fromNameAndType(
                CenterTopology.TRUST_REGISTRY_STORE, QueryableStoreTypes.<String, TrustRegistryEntry>keyValueStore())).all()) {
            java.util.List<TrustRegistryEntry> entries = new java.util.ArrayList<>();
            all.forEachRemaining(entry -> entries.add(entry.value));
            return Optional.of(entries);
        } catch (InvalidStateStoreException e) {
            return Optional.empty();
        }
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** The first center key, which secure zones pin at provisioning (rotations chain from it). */
    public PublicKeyHandle centerPublicKey() {
        return vault.centerPublicKey();
    }

    /** The key the center signs with now. */
    public PublicKeyHandle signingPublicKey() {
        return vault.signingPublicKey();
    }

    /** Interactive query of the {@code migrations} store (VM id → state), for status and tests. */
    public ReadOnlyKeyValueStore<String, MigrationState> migrations() {
        return streams.store(StoreQueryParameters.fromNameAndType(CenterTopology.MIGRATIONS_STORE,
                QueryableStoreTypes.<String, MigrationState>keyValueStore()));
    }

    /** Interactive query of the {@code bindings} store (VM id → committed binding). */
    public ReadOnlyKeyValueStore<String, VmInventoryEntry> bindings() {
        return streams.store(StoreQueryParameters.fromNameAndType(CenterTopology.BINDINGS_STORE,
                QueryableStoreTypes.<String, VmInventoryEntry>keyValueStore()));
    }

    /** Where this instance serves the status API and {@code /metrics}, if it serves HTTP. */
    public Optional<URI> statusUri() {
        return Optional.ofNullable(self).map(host -> URI.create("http://" + host.host() + ":" + host.port()));
    }

    /**
     * The status URI of the center instance whose active task holds {@code vmId}'s partition (of the
     * workflow stores), as Kafka Streams metadata says; empty while unknown (rebalancing, no HTTP).
     */
    public Optional<URI> ownerOfVm(String vmId) {
        KeyQueryMetadata owner = streams.queryMetadataForKey(CenterTopology.BINDINGS_STORE, vmId,
                org.apache.kafka.common.serialization.Serdes.String().serializer());
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE) || owner.activeHost() == null
                || owner.activeHost().port() <= 0) {
            return Optional.empty();
        }
        return Optional.of(URI.create("http://" + owner.activeHost().host() + ":" + owner.activeHost().port()));
    }

    /** The center's meters (workflow counters, step latencies, Kafka Streams metrics). */
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /** The Prometheus text exposition of {@link #meterRegistry()}. */
    public String scrapeMetrics() {
        return meterRegistry.scrape();
    }

    /** Counted from this instance's active partitions; NaN while the store cannot be queried. */
    private double localMigrationsInFlight() {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return Double.NaN;
        }
        try (KeyValueIterator<String, MigrationState> all = migrations().all()) {
            long count = 0;
            while (all.hasNext()) {
                if (MigrationSteps.isInFlight(all.next().value)) {
                    count++;
                }
            }
            return count;
        } catch (InvalidStateStoreException e) {
            return Double.NaN;
        }
    }

    @Override
    public void close() {
        if (statusServer != null) {
            statusServer.close();
        }
        if (reasserterThread.isAlive()) {
            reasserter.wakeup();
            try {
                reasserterThread.join(CLOSE_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            reasserter.closeUnstarted();
        }
        if (rotationTriggerThread.isAlive()) {
            rotationTrigger.wakeup();
            try {
                rotationTriggerThread.join(CLOSE_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            rotationTrigger.closeUnstarted();
        }
        registryProducer.close(CLOSE_TIMEOUT);
        // A clean stop leaves the group, so a restarted (or another) center instance takes the tasks over
        // at once instead of after the session timeout.
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(CLOSE_TIMEOUT));
        streamsMetrics.close();
        meterRegistry.close();
        if (ownsVault) {
            vault.close();
        }
        LOG.info("center {} stopped", config.getString(CenterConfig.APPLICATION_ID));
    }
}
