package io.vmigrate.cli.system;

import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows one migration through {@code migration.audit} and {@code migration.rejections} from
 * positions recorded before the request was sent, until it ends (DONE, ABORTED or REJECTED).
 */
public final class MigrationWatcher implements AutoCloseable {

    /** One observed step of a migration. */
    public record Step(MigrationStep step, Instant at, String detail) {}

    /** How the migration ended, with every step seen. */
    public record Outcome(MigrationStep finalStep, List<Step> steps, String reason) {
        public boolean succeeded() {
            return finalStep == MigrationStep.DONE;
        }
    }

    private final Topics topics;
    private final KafkaConsumer<String, byte[]> consumer;

    private MigrationWatcher(Map<String, Object> client, Topics topics, Map<TopicPartition, Long> from) {
        this.topics = topics;
        this.consumer = new KafkaConsumer<>(TopicSnapshot.consumerProperties(client), new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer.assign(from.keySet());
        from.forEach(consumer::seek);
    }

    /** Records where both topics end now; call before sending the request so nothing is missed. */
    public static Map<TopicPartition, Long> positionsNow(Map<String, Object> client) {
        Map<TopicPartition, Long> from = new java.util.HashMap<>(TopicSnapshot.endOffsets(client, Topics.MIGRATION_AUDIT));
        from.putAll(TopicSnapshot.endOffsets(client, Topics.MIGRATION_REJECTIONS));
        return from;
    }

    public static MigrationWatcher from(Map<String, Object> client, Topics topics, Map<TopicPartition, Long> positions) {
        return new MigrationWatcher(client, topics, positions);
    }

    /** Blocks until the migration ends or the timeout passes (then empty). */
    public Optional<Outcome> await(String migrationId, Duration timeout, Consumer<Step> onStep) {
        List<Step> steps = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        var audit = topics.migrationAudit().valueSerde().deserializer();
        var rejections = topics.migrationRejections().valueSerde().deserializer();
        while (System.nanoTime() < deadline) {
            for (var record : consumer.poll(Duration.ofMillis(100))) {
                if (record.topic().equals(Topics.MIGRATION_REJECTIONS)) {
                    MigrationRejected rejected = rejections.deserialize(record.topic(), record.value());
                    if (rejected.getMigrationId().equals(migrationId)) {
                        Step step = new Step(MigrationStep.REJECTED, rejected.getRejectedAt(),
                                rejected.getReason() + ": " + rejected.getDetail());
                        steps.add(step);
                        onStep.accept(step);
                        return Optional.of(new Outcome(MigrationStep.REJECTED, steps, step.detail()));
                    }
                } else if (record.key() != null && record.key().equals(migrationId)) {
                    AuditRecord entry = audit.deserialize(record.topic(), record.value());
                    String detail = describe(entry);
                    Step step = new Step(entry.getStep(), entry.getRecordedAt(), detail);
                    steps.add(step);
                    onStep.accept(step);
                    switch (entry.getStep()) {
                        case DONE:
                            return Optional.of(new Outcome(MigrationStep.DONE, steps, ""));
                        case ABORTED:
                        case REJECTED:
                            return Optional.of(new Outcome(entry.getStep(), steps, detail));
                        default:
                            break;
                    }
                }
            }
        }
        return Optional.empty();
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
