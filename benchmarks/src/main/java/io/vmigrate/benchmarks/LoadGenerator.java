package io.vmigrate.benchmarks;

import io.vmigrate.cli.operator.Operator;
import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.topic.Topic;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Drives migrations through a running system from one thread, as an operator's load generator would: one
 * long-lived producer of signed requests, one reader of {@code migration.audit} that sees each migration
 * end. Each VM has at most one migration at a time and moves to the next host in turn. Two ways to load:
 * a closed loop (keep N migrations in flight) and an open loop (start migrations at a fixed rate, whatever
 * is in flight), each measured over a window: completions in the window ÷ its length, and request→DONE
 * latencies of the migrations that completed in it. Not thread-safe.
 */
final class LoadGenerator implements AutoCloseable {

    /** What one window measured. */
    record Window(String load, double seconds, long completed, long failed, long notStarted, Histogram latencyNanos) {
        double throughput() {
            return completed / seconds;
        }

        double p50Millis() {
            return latencyNanos.getValueAtPercentile(50) / 1e6;
        }

        double p99Millis() {
            return latencyNanos.getValueAtPercentile(99) / 1e6;
        }
    }

    private record InFlight(String vmId, String to, long sentNanos) {}

    private final EmbeddedSystem system;
    private final Operator operator;
    private final Topic<String, OperatorRequest> requests;
    private final KafkaProducer<String, OperatorRequest> producer;
    private final KafkaConsumer<String, AuditRecord> audit;
    private final Map<String, String> hostOf = new HashMap<>();
    private final ArrayDeque<String> idleVms = new ArrayDeque<>();
    private final Map<String, InFlight> inFlight = new HashMap<>();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private long totalCompleted;
    private long totalFailed;

    LoadGenerator(EmbeddedSystem system) {
        this.system = system;
        this.operator = system.operator();
        this.requests = system.topics().migrationRequests();
        this.producer = new KafkaProducer<>(ackedProducerProperties(system.clientProperties()), requests.keySerde().serializer(), requests.valueSerde().serializer());
        Topic<String, AuditRecord> auditTopic = system.topics().migrationAudit();
        this.audit = new KafkaConsumer<>(TopicSnapshot.consumerProperties(system.clientProperties()),
                auditTopic.keySerde().deserializer(), auditTopic.valueSerde().deserializer());
        List<TopicPartition> partitions = TopicSnapshot.partitionsOf(audit, auditTopic.name());
        audit.assign(partitions);
        audit.seekToEnd(partitions);
        partitions.forEach(audit::position);
        for (Map.Entry<String, VmInventoryEntry> binding : operator.bindings().entrySet()) {
            hostOf.put(binding.getKey(), binding.getValue().getBinding().getHostId());
        }
        idleVms.addAll(system.sampleVmIds());
    }

    /** VMs that can be migrated (each has at most one migration in flight). */
    int vms() {
        return idleVms.size() + inFlight.size();
    }

    /** A producer as the system's own parties run one: each record acknowledged by every replica, idempotent, unbatched. */
    static Map<String, Object> ackedProducerProperties(Map<String, Object> client) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return props;
    }

    /** Migrations requested and not yet seen to end. */
    int inFlightCount() {
        return inFlight.size();
    }

    /** Migrations that ended otherwise (ABORTED, REJECTED) since this generator started. */
    long totalFailed() {
        return totalFailed;
    }

    /** Migrations completed (DONE) since this generator started. */
    long totalCompleted() {
        return totalCompleted;
    }

    /** Keeps {@code concurrency} migrations in flight for {@code duration}, then lets the last ones end. */
    Window closedLoop(int concurrency, Duration duration) {
        Counting window = new Counting();
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            while (inFlight.size() < concurrency && !idleVms.isEmpty()) {
                start();
            }
            observe(Duration.ofMillis(5), window);
        }
        return window.close("closed loop, " + concurrency + " in flight", duration, 0);
    }

    /**
     * Runs a closed loop of {@code concurrency} until {@code migrations} more have completed; what is in flight
     * then goes on (a following call counts it), so consecutive calls measure one uninterrupted run.
     */
    Window closedLoopFor(int concurrency, long migrations) {
        Counting window = new Counting();
        long startedAt = System.nanoTime();
        while (window.completed < migrations) {
            while (inFlight.size() < concurrency && !idleVms.isEmpty()) {
                start();
            }
            observe(Duration.ofMillis(5), window);
        }
        return window.close("closed loop, " + concurrency + " in flight", Duration.ofNanos(System.nanoTime() - startedAt), 0);
    }

    /**
     * Starts a migration every {@code 1/rate} seconds for {@code duration} (an open loop: arrivals do not wait
     * for completions); a start that finds no idle VM is counted as not started.
     */
    Window openLoop(double rate, Duration duration) {
        Counting window = new Counting();
        long begin = System.nanoTime();
        long end = begin + duration.toNanos();
        long interval = (long) (TimeUnit.SECONDS.toNanos(1) / rate);
        long nextStart = begin;
        long notStarted = 0;
        while (System.nanoTime() < end) {
            long now = System.nanoTime();
            while (nextStart <= now && nextStart < end) {
                if (idleVms.isEmpty()) {
                    notStarted++;
                } else {
                    start();
                }
                nextStart += interval;
            }
            long wait = Math.max(0, Math.min(nextStart, end) - System.nanoTime());
            observe(Duration.ofNanos(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(5))), window);
        }
        return window.close(String.format("open loop, %.1f /s", rate), duration, notStarted);
    }

    /** Waits until no migration is in flight (they are not counted in any window). */
    void drain(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!inFlight.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(inFlight.size() + " migrations did not end within " + timeout);
            }
            observe(Duration.ofMillis(20), null);
        }
    }

    private void start() {
        Exception failure = sendFailure.get();
        if (failure != null) {
            throw new IllegalStateException("a request could not be sent: " + failure, failure);
        }
        String vmId = idleVms.poll();
        String from = hostOf.get(vmId);
        List<String> hosts = system.hostIds();
        String to = hosts.get((hosts.indexOf(from) + 1) % hosts.size());
        MigrationRequested request = operator.newRequest(vmId, to, Optional.of(from), Optional.empty(), "bench");
        OperatorRequest signed = operator.signed(request);
        inFlight.put(request.getMigrationId(), new InFlight(vmId, to, System.nanoTime()));
        producer.send(new ProducerRecord<>(requests.name(), signed.getSubject(), signed), (metadata, e) -> {
            if (e != null) {
                sendFailure.compareAndSet(null, e);
            }
        });
    }

    private void observe(Duration timeout, Counting window) {
        for (var record : audit.poll(timeout)) {
            AuditRecord entry = record.value();
            if (entry == null) {
                continue;
            }
            MigrationStep step = entry.getStep();
            if (step != MigrationStep.DONE && step != MigrationStep.ABORTED && step != MigrationStep.REJECTED) {
                continue;
            }
            InFlight ended = inFlight.remove(entry.getMigrationId());
            if (ended == null) {
                continue;
            }
            if (step == MigrationStep.DONE) {
                hostOf.put(ended.vmId(), ended.to());
                totalCompleted++;
            } else {
                totalFailed++;
            }
            idleVms.add(ended.vmId());
            if (window != null) {
                window.ended(step == MigrationStep.DONE, System.nanoTime() - ended.sentNanos());
            }
        }
    }

    /** Counts one window's completions. */
    private static final class Counting {
        final Histogram latency = new Histogram(TimeUnit.MINUTES.toNanos(10), 3);
        long completed;
        long failed;

        void ended(boolean done, long latencyNanos) {
            if (done) {
                completed++;
                latency.recordValue(latencyNanos);
            } else {
                failed++;
            }
        }

        Window close(String load, Duration length, long notStarted) {
            return new Window(load, length.toNanos() / 1e9, completed, failed, notStarted, latency);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        audit.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
    }
}
