package io.vmigrate.cli.operator;

import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows migrations through {@code migration.audit} (and {@code migration.rejections}) from positions
 * recorded before the requests were sent, until each ends (DONE, ABORTED or REJECTED). Steps of
 * migrations not being awaited are kept, so several migrations can be awaited one after another.
 * Not thread-safe: one thread uses a watcher.
 */
public final class MigrationWatcher implements AutoCloseable {

    /** One observed step of a migration. */
    public record Step(MigrationStep step, Instant at, String detail) {}

    /** How a migration ended, with every step seen. */
    public record Outcome(MigrationStep finalStep, List<Step> steps, String reason) {
        public boolean succeeded() {
            return finalStep == MigrationStep.DONE;
        }
    }

    private final Topics topics;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, List<Step>> steps = new HashMap<>();
    private final Map<String, Outcome> ended = new HashMap<>();
    /**
     * Rejections seen with no audit of their id yet, and where the audit ended when each was seen. The
     * center writes a rejection and its audit in one transaction, so once the audit is read that far
     * without the id ending there, the request was rejected without an audit of its own (its id was
     * malformed or already used by another migration, whose audit chain it must not join).
     */
    private final Map<String, Map.Entry<Outcome, Map<TopicPartition, Long>>> unaudited = new HashMap<>();

    private MigrationWatcher(Map<String, Object> client, Topics topics, Map<TopicPartition, Long> from) {
        this.topics = topics;
        this.consumer = new KafkaConsumer<>(TopicSnapshot.consumerProperties(client), new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer.assign(from.keySet());
        from.forEach(consumer::seek);
    }

    /**
     * Records where the audit ends now; call before sending requests so nothing is missed. The audit
     * alone tells every step, a rejection included (the center audits REQUESTED then REJECTED), so the
     * timeline shows each step once, in the center's order.
     */
    public static Map<TopicPartition, Long> positionsNow(Map<String, Object> client) {
        Map<TopicPartition, Long> positions = new HashMap<>(TopicSnapshot.endOffsets(client, Topics.MIGRATION_AUDIT));
        positions.putAll(TopicSnapshot.endOffsets(client, Topics.MIGRATION_REJECTIONS));
        return positions;
    }

    public static MigrationWatcher from(Map<String, Object> client, Topics topics, Map<TopicPartition, Long> positions) {
        return new MigrationWatcher(client, topics, positions);
    }

    /** Blocks until the migration ends or the timeout passes (then empty); {@code onStep} sees each step once, in order. */
    public Optional<Outcome> await(String migrationId, Duration timeout, Consumer<Step> onStep) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int reported = 0;
        while (true) {
            List<Step> seen = steps.getOrDefault(migrationId, List.of());
            while (reported < seen.size()) {
                onStep.accept(seen.get(reported++));
            }
            Outcome outcome = ended.get(migrationId);
            if (outcome != null) {
                return Optional.of(outcome);
            }
            var rejection = unaudited.get(migrationId);
            if (rejection != null && auditReadTo(rejection.getValue())) {
                ended.put(migrationId, rejection.getKey());
                return Optional.of(rejection.getKey());
            }
            if (System.nanoTime() >= deadline) {
                return Optional.empty();
            }
            consumer.poll(Duration.ofMillis(50)).forEach(this::observe);
        }
    }

    /** As {@link #await(String, Duration, Consumer)} without following the steps. */
    public Optional<Outcome> awaitAny(String migrationId, Duration timeout) {
        return await(migrationId, timeout, step -> { });
    }

    private boolean auditReadTo(Map<TopicPartition, Long> offsets) {
        return offsets.entrySet().stream().allMatch(end -> consumer.position(end.getKey()) >= end.getValue());
    }

    private void observe(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            return;
        }
        if (record.topic().equals(Topics.MIGRATION_REJECTIONS)) {
            MigrationRejected rejected = topics.migrationRejections().valueSerde().deserializer()
                    .deserialize(record.topic(), record.value());
            String id = rejected.getMigrationId();
            if (!ended.containsKey(id) && !steps.containsKey(id)) {
                String detail = rejected.getReason() + ": " + rejected.getDetail();
                Outcome outcome = new Outcome(MigrationStep.REJECTED,
                        List.of(new Step(MigrationStep.REJECTED, rejected.getRejectedAt(), detail)), detail);
                Map<TopicPartition, Long> auditEnd = new HashMap<>();
                consumer.endOffsets(consumer.assignment()).forEach((partition, end) -> {
                    if (partition.topic().equals(Topics.MIGRATION_AUDIT)) {
                        auditEnd.put(partition, end);
                    }
                });
                unaudited.put(id, Map.entry(outcome, auditEnd));
            }
            return;
        }
        AuditRecord entry = topics.migrationAudit().valueSerde().deserializer().deserialize(record.topic(), record.value());
        Step step = new Step(entry.getStep(), entry.getRecordedAt(), describe(entry));
        unaudited.remove(record.key());
        List<Step> all = steps.computeIfAbsent(record.key(), id -> new ArrayList<>());
        all.add(step);
        switch (entry.getStep()) {
            case DONE:
                ended.put(record.key(), new Outcome(MigrationStep.DONE, List.copyOf(all), ""));
                break;
            case ABORTED:
            case REJECTED:
                ended.put(record.key(), new Outcome(entry.getStep(), List.copyOf(all), step.detail()));
                break;
            default:
                break;
        }
    }

    private static String describe(AuditRecord entry) {
        StringBuilder text = new StringBuilder();
        if (entry.getReason() != null) {
            text.append(entry.getReason());
        }
        if (entry.getDetail() != null && !entry.getDetail().isEmpty()) {
            text.append(text.length() > 0 ? ": " : "").append(entry.getDetail());
        }
        if (entry.getEpoch() != null && entry.getKeyFingerprint() != null) {
            text.append(text.length() > 0 ? " " : "").append("epoch ").append(entry.getEpoch())
                    .append(" key ").append(entry.getKeyFingerprint());
        }
        return text.toString();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
