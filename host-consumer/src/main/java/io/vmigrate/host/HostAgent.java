package io.vmigrate.host;

import io.vmigrate.schema.keys.CenterPublicKeyFile;
import io.vmigrate.common.retry.Backoff;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vmigrate.host.enrollment.AgentKeys;
import io.vmigrate.host.metrics.CountingReplyPublisher;
import io.vmigrate.host.metrics.AgentMetrics;
import io.vmigrate.host.metrics.MetricsHttpServer;
import io.vmigrate.host.metrics.TimedHypervisor;
import io.vmigrate.host.metrics.TimedSecureZonePort;
import java.net.URI;
import io.vmigrate.host.enrollment.HostEnrollment;
import io.vmigrate.host.hypervisor.HypervisorPort;
import io.vmigrate.host.kafka.KafkaOutputs;
import io.vmigrate.host.store.ProcessedCommandStore;
import io.vmigrate.host.store.DurableIdSet;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.securezone.SecureZoneIdentity;
import io.vmigrate.securezone.client.SecureZoneClient;
import io.vmigrate.securezone.client.SecureZonePort;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SealedKeyStoreException;
import io.vmigrate.trust.Signer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host's user zone: enrolls the host, then one thread owns the consumer of this host's command
 * topic and hands each record to a {@link CommandHandler}; the offset is committed only after the
 * reply is acknowledged and the command recorded. Transient failures (secure zone unreachable, disk,
 * retriable Kafka errors) make it seek back and handle the same record again after a backoff; fatal
 * ones (authentication, authorization, a fenced instance id, a secure zone that refuses this agent)
 * stop it, and {@link #failure()} tells why.
 */
public final class HostAgent implements AutoCloseable {

    public static final String PROCESSED_COMMANDS_FILE = "processed-commands.log";
    public static final String REGISTERED_VMS_FILE = "registered-vms";
    public static final String PENDING_COMPLETIONS_FILE = "pending-completions";

    private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);

    private final HostAgentConfig config;
    private final HypervisorPort hypervisor;
    private final Function<Signer, SecureZonePort> secureZones;
    private final Clock clock;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final PrometheusMeterRegistry meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AgentMetrics metrics;

    private volatile boolean started;
    private volatile Throwable failure;
    private volatile SecureZoneIdentity identity;
    private KafkaConsumer<byte[], byte[]> consumer;
    private CommandHandler handler;
    private HostEnrollment enrollment;
    private final AtomicBoolean registrationRequested = new AtomicBoolean();
    private Thread loop;
    private volatile MetricsHttpServer metricsServer;

    private static java.util.Optional<io.vmigrate.schema.registry.ProvisioningStatement> provisioningStatement(
            HostAgentConfig config) {
        if (config.provisioningStatementFile().isEmpty()) {
            return java.util.Optional.empty();
        }
        Path file = config.provisioningStatementFile().get();
        try {
            return java.util.Optional.of(io.vmigrate.schema.registry.ProvisioningStatementFile.read(file));
        } catch (IOException e) {
            throw new org.apache.kafka.common.config.ConfigException(HostAgentConfig.PROVISIONING_STATEMENT_FILE,
                    file.toString(), e.getMessage());
        }
    }

    /**
     * @param secureZones given the agent key's signer, this host's secure zone (reconnecting after it
     *     restarts); the agent closes it when it stops
     */
    public HostAgent(HostAgentConfig config, HypervisorPort hypervisor,
            Function<Signer, SecureZonePort> secureZones, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.hypervisor = Objects.requireNonNull(hypervisor, "hypervisor");
        this.secureZones = Objects.requireNonNull(secureZones, "secureZones");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = new AgentMetrics(meterRegistry, config.hostId());
    }

    /** The production wiring: the configured hypervisor backend and the secure zone at the configured socket. */
    public static HostAgent create(HostAgentConfig config) {
        CryptoSuite suite = CryptoSuites.get(config.suite());
        HypervisorPort hypervisor = config.hypervisorBackend().create(config.hypervisorSettings(), suite.digest());
        return new HostAgent(config, hypervisor,
                signer -> SecureZoneClient.connectingOnFirstCall(config.secureZoneSocket(), config.hostId(), signer, suite),
                Clock.systemUTC());
    }

    /**
     * Enrolls (waiting up to the startup timeout for the secure zone and Kafka) and starts consuming.
     *
     * @throws IllegalStateException if enrollment cannot complete; nothing keeps running then
     */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("host agent " + config.hostId() + " already started");
        }
        started = true;
        try {
            open();
        } catch (RuntimeException | Error e) {
            closeResources();
            stopped.countDown();
            throw e;
        }
        loop = new Thread(this::run, "host-agent-" + config.hostId());
        loop.start();
    }

    private void open() {
        String hostId = config.hostId();
        CryptoSuite suite = CryptoSuites.get(config.suite());
        PrivateKeyHandle agentKey;
        io.vmigrate.trust.PublicKeyHandle centerKey;
        try {
            Files.createDirectories(config.stateDir());
            agentKey = AgentKeys.loadOrGenerate(config.stateDir(), config.agentKeystorePassword().value().toCharArray(), suite);
            centerKey = CenterPublicKeyFile.read(config.centerPublicKeyFile(), config.suite());
        } catch (IOException | SealedKeyStoreException e) {
            throw new IllegalStateException("host agent " + hostId + " cannot load its keys: " + e.getMessage(), e);
        }
        SecureZonePort connected = secureZones.apply(suite.signer(agentKey));
        resources.add(connected);
        SecureZonePort secureZone = new TimedSecureZonePort(connected, metrics);
        ProcessedCommandStore processed;
        DurableIdSet registrations;
        DurableIdSet pendingCompletions;
        try {
            processed = ProcessedCommandStore.open(config.stateDir().resolve(PROCESSED_COMMANDS_FILE),
                    config.processedCommandRetention(), clock);
            resources.add(processed);
            metrics.watch(processed);
            registrations = DurableIdSet.open(config.stateDir().resolve(REGISTERED_VMS_FILE));
            pendingCompletions = DurableIdSet.open(config.stateDir().resolve(PENDING_COMPLETIONS_FILE));
        } catch (IOException e) {
            throw new IllegalStateException("host agent " + hostId + " cannot open its state: " + e.getMessage(), e);
        }
        try {
            hypervisor.recover();
        } catch (IOException e) {
            // Leftovers only cost disk space; the next start tries again.
            LOG.warn("host {}: could not clear what a crash left in the hypervisor: {}", hostId, e.toString());
        }
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config.producerSettings(),
                new ByteArraySerializer(), new ByteArraySerializer());
        resources.add(producer);
        bind(new KafkaClientMetrics(producer));
        Admin admin = Admin.create(config.adminSettings());
        resources.add(admin);
        KafkaOutputs outputs = new KafkaOutputs(hostId, config.topics(), producer, admin,
                config.commandTopicPartitions(), config.commandTopicReplicationFactor(), config.publishTimeout());

        enrollment = new HostEnrollment(hostId, PublicKeyRecords.toRecord(agentKey.publicKey()),
                List.of(PublicKeyRecords.toRecord(centerKey)), secureZone, hypervisor, registrations, config.stateDir(),
                outputs, clock, new Backoff(config.retryBackoff(), config.retryBackoffMax()))
                .presenting(provisioningStatement(config));
        identity = enrollWithRetry(enrollment);

        handler = new CommandHandler(hostId, config.topics(), secureZone, new TimedHypervisor(hypervisor, metrics),
                processed, registrations, pendingCompletions, new CountingReplyPublisher(outputs, metrics), clock, metrics);
        consumer = new KafkaConsumer<>(config.consumerSettings(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        bind(new KafkaClientMetrics(consumer));
        if (config.metricsEnabled()) {
            MetricsHttpServer server = MetricsHttpServer.start(config.getString(HostAgentConfig.METRICS_HOST),
                    config.getInt(HostAgentConfig.METRICS_PORT), meterRegistry::scrape);
            resources.add(server);
            metricsServer = server;
            LOG.info("host agent {} serves metrics at {}", hostId, server.metricsUri());
        }
    }

    private SecureZoneIdentity enrollWithRetry(HostEnrollment enrollment) {
        Instant deadline = clock.instant().plus(config.startupTimeout());
        Backoff backoff = new Backoff(config.retryBackoff(), config.retryBackoffMax());
        while (true) {
            try {
                return enrollment.enroll();
            } catch (IOException | RetriableException e) {
                if (clock.instant().isAfter(deadline)) {
                    throw new IllegalStateException("host agent " + config.hostId() + " could not enroll within "
                            + config.startupTimeout().toMillis() + " ms: " + e.getMessage(), e);
                }
                LOG.info("host {}: enrollment not possible yet ({}); trying again", config.hostId(), e.toString());
                if (!pause(backoff.next())) {
                    throw new IllegalStateException("host agent " + config.hostId() + " stopped while enrolling");
                }
            }
        }
    }

    private void run() {
        TopicPartition current = null;
        try {
            consumer.subscribe(List.of(config.commandTopic()));
            Backoff backoff = new Backoff(config.retryBackoff(), config.retryBackoffMax());
            while (stopRequested.getCount() > 0) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(config.pollTimeout());
                registerNewVmsIfRequested();
                boolean mustBackOff = false;
                for (TopicPartition partition : records.partitions()) {
                    current = partition;
                    if (!handlePartition(partition, records.records(partition))) {
                        mustBackOff = true;
                    }
                }
                if (mustBackOff) {
                    if (!pause(backoff.next())) {
                        break;
                    }
                } else if (!records.isEmpty()) {
                    backoff.reset();
                }
            }
        } catch (WakeupException | InterruptException e) {
            if (stopRequested.getCount() > 0) {
                fail(e);
            }
        } catch (AgentFatalException e) {
            fail(e);
        } catch (RuntimeException | Error e) {
            // Authentication, authorization, a fenced instance id, a producer that cannot go on, or a bug:
            // never skip the record silently; stop and let the operator see why.
            fail(e);
        } finally {
            LOG.info("host agent {} stops consuming (last partition {})", config.hostId(), current);
            try {
                consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.warn("host agent {}: closing the consumer failed: {}", config.hostId(), e.toString());
            }
            stopped.countDown();
        }
    }

    /**
     * Asks the center to register the VMs created on this host since it enrolled. Returns at once; the
     * consumer thread, which owns the agent's stores, sends the requests after its next poll.
     */
    public void registerNewVms() {
        registrationRequested.set(true);
    }

    private void registerNewVmsIfRequested() {
        try {
            if (registrationRequested.getAndSet(false)) {
                enrollment.registerUnknownVms();
            }
            enrollment.askAgainForUnansweredRegistrations();
        } catch (IOException | RetriableException e) {
            // Transient (disk, broker): asked again after the next poll.
            LOG.warn("host {}: registering new VMs failed, trying again: {}", config.hostId(), e.toString());
            registrationRequested.set(true);
        }
    }

    /**
     * Handles the records of one partition in order, then makes them durable with one sync and commits
     * their offsets with one commit (group commit); false when one must be tried again (the position is
     * set back to it, after what was handled before it is committed).
     */
    private boolean handlePartition(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records) {
        long nextOffset = -1;
        boolean carryOn = true;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (stopRequested.getCount() == 0) {
                consumer.seek(partition, record.offset());
                break;
            }
            CommandRecord command = new CommandRecord(record.topic(), record.partition(), record.offset(), record.key(),
                    record.value());
            try {
                handler.handle(command);
            } catch (IOException | RetriableException e) {
                LOG.warn("{}: transient failure ({}); will handle it again", command, e.toString());
                consumer.seek(partition, record.offset());
                carryOn = false;
                break;
            }
            nextOffset = record.offset() + 1;
        }
        if (nextOffset < 0) {
            return carryOn;
        }
        try {
            handler.syncHandled();
        } catch (IOException e) {
            // Nothing of the batch is committed: its records come again and are recognised by the secure zone.
            LOG.warn("{}-{}: recording the handled commands failed ({}); they will be handled again", partition.topic(),
                    partition.partition(), e.toString());
            consumer.seek(partition, records.get(0).offset());
            return false;
        }
        try {
            consumer.commitSync(Map.of(partition, new OffsetAndMetadata(nextOffset)));
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // The partition moved; the records come back and are recognised by their message id and offset.
            LOG.warn("{}-{}: offset commit up to {} failed ({}); the records will be redelivered", partition.topic(),
                    partition.partition(), nextOffset, e.toString());
        }
        return carryOn;
    }

    /** Waits, unless a stop is requested; returns false on stop. */
    private boolean pause(Duration wait) {
        try {
            return !stopRequested.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void fail(Throwable e) {
        failure = e;
        LOG.error("host agent {} stops on a fatal error", config.hostId(), e);
    }

    /** Binds Kafka client metrics, unbound (closed) with the other resources before the client closes. */
    private void bind(KafkaClientMetrics clientMetrics) {
        clientMetrics.bindTo(meterRegistry);
        resources.add(clientMetrics);
    }

    /** Where the agent serves {@code GET /metrics}, once started (unless the metrics port is -1). */
    public Optional<URI> metricsUri() {
        MetricsHttpServer server = metricsServer;
        return server == null ? Optional.empty() : Optional.of(server.metricsUri());
    }

    /** The agent's meters: commands, refusals, alerts, dead letters, latencies, Kafka client metrics. */
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /** The secure zone's identity, once started. */
    public SecureZoneIdentity identity() {
        return identity;
    }

    /** Whether the consumer loop is still running. */
    public boolean isRunning() {
        return started && stopped.getCount() > 0;
    }

    /** Why the agent stopped on its own, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Waits until the agent stopped (closed or failed); true if it did within {@code timeout}. */
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        stopRequested.countDown();
        if (consumer != null) {
            consumer.wakeup();
        }
        if (loop != null) {
            try {
                loop.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeResources();
        stopped.countDown();
    }

    private void closeResources() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("host agent {}: closing {} failed: {}", config.hostId(), resources.get(i).getClass().getSimpleName(),
                        e.toString());
            }
        }
        resources.clear();
    }
}
