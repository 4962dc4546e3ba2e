package io.vmigrate.forensics;

import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.topic.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Follows {@code migration.audit} with a plain consumer (no group, nothing committed): one line per
 * transition, each record's center signature and its migration's hash chain checked as it arrives;
 * a break is printed at once as a line starting with {@code !!}.
 */
public final class AuditTail {

    /** Which records to show and how. */
    public record Options(boolean fromBeginning, boolean follow, String migrationId, String vmId, boolean json) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Object> clientProperties;
    private final RefreshingCenterKeys keys;
    private final Options options;
    private final Deserializer<AuditRecord> audits = Topics.withDefaultWireFormat().migrationAudit().valueSerde().deserializer();
    private long breaks;
    private long shown;

    public AuditTail(Map<String, Object> clientProperties, TrustedKeys keys, Options options) {
        this(clientProperties, keys, () -> keys, options);
    }

    /** As above, rereading the trusted keys with {@code reload} when a record names a center key not known yet (a rotation). */
    public AuditTail(Map<String, Object> clientProperties, TrustedKeys keys, RefreshingCenterKeys.Reloader reload,
            Options options) {
        this.clientProperties = clientProperties;
        this.keys = new RefreshingCenterKeys(keys, reload);
        this.options = options;
    }

    /** Reads until the end offsets seen at start (or, following, until {@code stop} says so); returns the breaks seen. */
    public long run(PrintWriter out, BooleanSupplier stop) {
        AuditChainTracker chains = new AuditChainTracker(keys::centerKey, !options.fromBeginning());
        try (var consumer = new KafkaConsumer<>(ClusterLogSource.consumerProperties(clientProperties),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(Topics.MIGRATION_AUDIT, Duration.ofSeconds(30))
                    .forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
            consumer.assign(partitions);
            if (options.fromBeginning()) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (!stop.getAsBoolean()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    show(record, chains, out);
                }
                out.flush();
                if (!options.follow() && reached(consumer, end)) {
                    break;
                }
            }
        }
        return breaks;
    }

    public long shown() {
        return shown;
    }

    private void show(ConsumerRecord<byte[], byte[]> record, AuditChainTracker chains, PrintWriter out) {
        RecordCoordinates at = new RecordCoordinates(record.topic(), record.partition(), record.offset());
        if (record.value() == null) {
            return;
        }
        AuditRecord audit;
        try {
            audit = audits.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            breaks++;
            out.println("!! " + Rule.MALFORMED_RECORD + " at " + at + ": audit record does not decode");
            return;
        }
        if (options.migrationId() != null && !options.migrationId().equals(audit.getMigrationId())
                || options.vmId() != null && !options.vmId().equals(audit.getVmId())) {
            return;
        }
        List<AuditChainTracker.Finding> findings = chains.accept(audit);
        shown++;
        if (options.json()) {
            out.println(json(audit, at, findings));
        } else {
            out.println(line(audit));
        }
        for (AuditChainTracker.Finding finding : findings) {
            breaks++;
            if (!options.json()) {
                out.println("!! " + finding.rule() + " at " + at + " migration " + audit.getMigrationId() + ": " + finding.detail());
            }
        }
    }

    /** One readable line: time, migration, VM, step, hosts, epoch/fingerprint, reason. */
    static String line(AuditRecord audit) {
        StringBuilder line = new StringBuilder()
                .append(audit.getRecordedAt()).append("  ")
                .append(audit.getMigrationId()).append(" #").append(audit.getSequence()).append("  ")
                .append("vm ").append(audit.getVmId()).append("  ")
                .append(String.format("%-21s", audit.getStep())).append(' ')
                .append(audit.getSourceHostId()).append(" -> ").append(audit.getDestinationHostId());
        if (audit.getEpoch() != null) {
            line.append("  epoch ").append(audit.getEpoch());
        }
        if (audit.getKeyFingerprint() != null) {
            line.append("  key ").append(audit.getKeyFingerprint());
        }
        if (audit.getReason() != null) {
            line.append("  reason ").append(audit.getReason());
        }
        if (audit.getDetail() != null && !audit.getDetail().isEmpty()) {
            line.append("  (").append(audit.getDetail()).append(')');
        }
        return line.toString();
    }

    private static String json(AuditRecord audit, RecordCoordinates at, List<AuditChainTracker.Finding> findings) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("topic", at.topic());
        json.put("partition", at.partition());
        json.put("offset", at.offset());
        json.put("recordedAt", audit.getRecordedAt().toString());
        json.put("migrationId", audit.getMigrationId());
        json.put("sequence", audit.getSequence());
        json.put("vmId", audit.getVmId());
        json.put("step", audit.getStep().name());
        json.put("sourceHostId", audit.getSourceHostId());
        json.put("destinationHostId", audit.getDestinationHostId());
        json.put("epoch", audit.getEpoch());
        json.put("keyFingerprint", audit.getKeyFingerprint());
        json.put("relatedMessageId", audit.getRelatedMessageId());
        json.put("reason", audit.getReason() == null ? null : audit.getReason().name());
        json.put("detail", audit.getDetail());
        json.put("signerKeyId", audit.getSignerKeyId());
        json.put("previousHash", java.util.HexFormat.of().formatHex(ByteBuffers.toArray(audit.getPreviousHash())));
        List<Map<String, String>> problems = new ArrayList<>();
        findings.forEach(f -> problems.add(Map.of("rule", f.rule().name(), "detail", f.detail())));
        json.put("verified", findings.isEmpty());
        json.put("breaks", problems);
        try {
            return JSON.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (var entry : end.entrySet()) {
            if (consumer.position(entry.getKey()) < Objects.requireNonNull(entry.getValue())) {
                return false;
            }
        }
        return true;
    }
}
