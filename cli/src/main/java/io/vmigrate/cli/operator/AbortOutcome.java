package io.vmigrate.cli.operator;

import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.topic.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * How an abort request ended: the migration's audit reached ABORTED, or the center refused the
 * request (a {@code MigrationRejected} naming its request id, e.g. because the migration committed).
 */
public record AbortOutcome(boolean aborted, String detail) {

    /** Where the audit and the rejections end now; take before sending the abort. */
    static Map<TopicPartition, Long> positionsNow(Map<String, Object> client) {
        Map<TopicPartition, Long> positions = new HashMap<>(TopicSnapshot.endOffsets(client, Topics.MIGRATION_AUDIT));
        positions.putAll(TopicSnapshot.endOffsets(client, Topics.MIGRATION_REJECTIONS));
        return positions;
    }

    /** Follows both topics from {@code positions} until the abort's outcome shows, or {@code timeout} passes. */
    static Optional<AbortOutcome> await(Map<String, Object> client, Topics topics, Map<TopicPartition, Long> positions,
            String migrationId, String requestId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (var consumer = new KafkaConsumer<>(TopicSnapshot.consumerProperties(client), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(positions.keySet());
            positions.forEach(consumer::seek);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    Optional<AbortOutcome> outcome = outcomeOf(topics, record, migrationId, requestId);
                    if (outcome.isPresent()) {
                        return outcome;
                    }
                }
            }
            return Optional.empty();
        }
    }

    private static Optional<AbortOutcome> outcomeOf(Topics topics, ConsumerRecord<String, byte[]> record, String migrationId,
            String requestId) {
        if (record.value() == null) {
            return Optional.empty();
        }
        if (record.topic().equals(Topics.MIGRATION_AUDIT)) {
            AuditRecord entry = topics.migrationAudit().valueSerde().deserializer().deserialize(record.topic(), record.value());
            if (entry.getMigrationId().equals(migrationId) && entry.getStep() == MigrationStep.ABORTED) {
                return Optional.of(new AbortOutcome(true, entry.getReason() + ": " + entry.getDetail()));
            }
            return Optional.empty();
        }
        MigrationRejected rejection = topics.migrationRejections().valueSerde().deserializer()
                .deserialize(record.topic(), record.value());
        if (requestId.equals(rejection.getRequestId())) {
            return Optional.of(new AbortOutcome(false, rejection.getReason() + ": " + rejection.getDetail()));
        }
        return Optional.empty();
    }
}
