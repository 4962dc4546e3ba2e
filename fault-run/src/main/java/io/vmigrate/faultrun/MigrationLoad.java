package io.vmigrate.faultrun;

import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.operator.OperatorRequestSealer;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.topic.Topic;
import io.vmigrate.schema.topic.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.IntPredicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run's operator: keeps several migrations in flight per source host (random VM, random other host as
 * destination), each a signed request with a deadline, and follows the audit to learn how each ended. What it
 * learns drives the load and the figures only; the invariants read the real state afresh at the end.
 */
public final class MigrationLoad implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MigrationLoad.class);

    private final FaultRunSettings settings;
    private final Topics topics;
    private final OperatorRequestSealer sealer;
    private final Random random;
    private final Clock clock = Clock.systemUTC();
    private final KafkaProducer<String, OperatorRequest> producer;
    private final KafkaConsumer<String, byte[]> outcomes;
    private final Map<String, String> location = new LinkedHashMap<>();
    private final Set<String> busyVms = new HashSet<>();
    private final Map<String, RequestedMigration> inFlight = new LinkedHashMap<>();
    private final Map<String, Integer> inFlightBySource = new HashMap<>();
    private final List<RequestedMigration> requested = new ArrayList<>();
    private final List<MigrationEnd> ends = new ArrayList<>();
    private final List<String> hostIds;
    private Instant faultFreeEnded;
    private volatile IntPredicate mayRequest = number -> true;

    public MigrationLoad(FaultRunSettings settings, Topics topics, Map<String, List<String>> vmsByHost,
            Map<String, Object> operatorClient, Map<String, Object> readerClient, OperatorRequestSealer sealer) {
        this.settings = settings;
        this.topics = topics;
        this.sealer = sealer;
        this.random = new Random(settings.seed() * 31 + 7);
        vmsByHost.forEach((host, vms) -> vms.forEach(vm -> location.put(vm, host)));
        this.hostIds = List.copyOf(vmsByHost.keySet());
        Map<String, Object> producerProps = new HashMap<>(operatorClient);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        Topic<String, OperatorRequest> requests = topics.migrationRequests();
        this.producer = new KafkaProducer<>(producerProps, requests.keySerde().serializer(), requests.valueSerde().serializer());
        this.outcomes = new KafkaConsumer<>(TopicSnapshot.consumerProperties(readerClient), new StringDeserializer(),
                new ByteArrayDeserializer());
        Map<TopicPartition, Long> from = new HashMap<>(TopicSnapshot.endOffsets(readerClient, Topics.MIGRATION_AUDIT));
        from.putAll(TopicSnapshot.endOffsets(readerClient, Topics.MIGRATION_REJECTIONS));
        outcomes.assign(from.keySet());
        from.forEach(outcomes::seek);
    }

    /**
     * Sends migrations until {@code settings.migrations()} were requested and every one ended, or until the
     * run's timeout; returns whether all ended.
     */
    public boolean run() {
        long end = System.nanoTime() + settings.runTimeout().toNanos();
        while (System.nanoTime() < end) {
            fill();
            for (ConsumerRecord<String, byte[]> record : outcomes.poll(Duration.ofMillis(100))) {
                observe(record);
            }
            synchronized (this) {
                if (requested.size() >= settings.migrations() && inFlight.isEmpty()) {
                    return true;
                }
            }
        }
        LOG.warn("fault run timed out with {} migrations not ended", inFlightCount());
        return false;
    }

    /**
     * Holds back the request numbered {@code n} (from 0) until {@code gate} allows it: the fault injector keeps the
     * load from outrunning its schedule, so every fault strikes while migrations run, however short the run.
     */
    public void gate(IntPredicate gate) {
        this.mayRequest = gate;
    }

    private void fill() {
        List<MigrationRequested> toSend = new ArrayList<>();
        synchronized (this) {
            for (String source : hostIds) {
                while (requested.size() + toSend.size() < settings.migrations()
                        && mayRequest.test(requested.size() + toSend.size())
                        && inFlightBySource.getOrDefault(source, 0) < settings.inFlightPerHost()) {
                    Optional<String> vm = freeVmOn(source);
                    if (vm.isEmpty()) {
                        break;
                    }
                    String destination = otherHost(source);
                    Instant now = clock.instant();
                    MigrationRequested request = MigrationRequested.newBuilder()
                            .setMigrationId(UUID.randomUUID().toString()).setVmId(vm.get())
                            .setSourceHostId(source).setDestinationHostId(destination).setRequestedBy("fault-run")
                            .setRequestedAt(now).setDeadline(now.plus(settings.deadline())).build();
                    RequestedMigration migration = new RequestedMigration(request.getMigrationId(), vm.get(), source,
                            destination, now, request.getDeadline());
                    busyVms.add(vm.get());
                    inFlight.put(migration.migrationId(), migration);
                    inFlightBySource.merge(source, 1, Integer::sum);
                    requested.add(migration);
                    toSend.add(request);
                }
            }
        }
        Topic<String, OperatorRequest> requests = topics.migrationRequests();
        for (MigrationRequested request : toSend) {
            OperatorRequest signed = sealer.seal(request);
            producer.send(new ProducerRecord<>(requests.name(), signed.getSubject(), signed), (metadata, error) -> {
                if (error != null) {
                    LOG.warn("request {} not sent: {}", request.getMigrationId(), error.toString());
                }
            });
        }
        if (!toSend.isEmpty()) {
            producer.flush();
        }
    }

    private void observe(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        try {
            if (record.topic().equals(Topics.MIGRATION_REJECTIONS)) {
                MigrationRejected rejected = topics.migrationRejections().valueSerde().deserializer()
                        .deserialize(record.topic(), record.value());
                ended(rejected.getMigrationId(), MigrationStep.REJECTED, rejected.getReason() + ": " + rejected.getDetail());
                return;
            }
            AuditRecord audit = topics.migrationAudit().valueSerde().deserializer().deserialize(record.topic(), record.value());
            MigrationStep step = audit.getStep();
            if (step == MigrationStep.DONE || step == MigrationStep.ABORTED || step == MigrationStep.REJECTED) {
                ended(record.key(), step, audit.getReason() == null ? "" : audit.getReason().name());
            }
        } catch (RuntimeException e) {
            LOG.warn("undecodable record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
        }
    }

    private synchronized void ended(String migrationId, MigrationStep step, String reason) {
        RequestedMigration migration = inFlight.remove(migrationId);
        if (migration == null) {
            return;
        }
        busyVms.remove(migration.vmId());
        inFlightBySource.merge(migration.source(), -1, Integer::sum);
        if (step == MigrationStep.DONE) {
            location.put(migration.vmId(), migration.destination());
        }
        ends.add(new MigrationEnd(migration, step, reason, clock.instant()));
        if (faultFreeEnded == null && ends.size() >= settings.faultFreeMigrations()) {
            faultFreeEnded = clock.instant();
        }
        if (ends.size() % 50 == 0) {
            LOG.info("{} of {} migrations ended ({} in flight)", ends.size(), settings.migrations(), inFlight.size());
        }
    }

    private Optional<String> freeVmOn(String host) {
        List<String> free = location.entrySet().stream()
                .filter(entry -> entry.getValue().equals(host) && !busyVms.contains(entry.getKey()))
                .map(Map.Entry::getKey).toList();
        return free.isEmpty() ? Optional.empty() : Optional.of(free.get(random.nextInt(free.size())));
    }

    private String otherHost(String source) {
        List<String> others = hostIds.stream().filter(host -> !host.equals(source)).toList();
        return others.get(random.nextInt(others.size()));
    }

    public synchronized int endedCount() {
        return ends.size();
    }

    public synchronized int inFlightCount() {
        return inFlight.size();
    }

    /** Migrations in flight now, oldest first: the fault injector picks its targets among them. */
    public synchronized List<RequestedMigration> inFlight() {
        return List.copyOf(inFlight.values());
    }

    public synchronized List<RequestedMigration> requested() {
        return List.copyOf(requested);
    }

    public synchronized List<MigrationEnd> ends() {
        return List.copyOf(ends);
    }

    /** When the fault-free first part of the run ended (the faults start then); empty before. */
    public synchronized Optional<Instant> faultFreeEnded() {
        return Optional.ofNullable(faultFreeEnded);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
        outcomes.close(Duration.ofSeconds(10));
    }
}
