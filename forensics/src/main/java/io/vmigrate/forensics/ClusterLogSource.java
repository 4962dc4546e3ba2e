package io.vmigrate.forensics;

import io.vmigrate.schema.forensics.ExportedHeader;
import io.vmigrate.schema.forensics.ExportedRecord;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the protocol topics of a cluster with a plain consumer (no group, nothing committed, read
 * committed), each partition from its beginning (or the first offset at {@code from}) up to the end
 * offset captured when the source was created, in topic, partition, offset order. Records stamped
 * after {@code to} are skipped.
 */
public final class ClusterLogSource implements LogSource, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterLogSource.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions;
    private final Map<TopicPartition, Long> start;
    private final Map<TopicPartition, Long> end;
    private final Instant to;

    private ClusterLogSource(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions,
            Map<TopicPartition, Long> start, Map<TopicPartition, Long> end, Instant to) {
        this.consumer = consumer;
        this.partitions = partitions;
        this.start = start;
        this.end = end;
        this.to = to;
    }

    /** Discovers the protocol topics now and fixes the range to read: [from, end offsets now]. */
    public static ClusterLogSource open(Map<String, Object> clientProperties, Instant from, Instant to) {
        List<String> topics = discoverTopics(clientProperties);
        var consumer = new KafkaConsumer<>(consumerProperties(clientProperties), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                if (infos != null) {
                    infos.stream().map(info -> new TopicPartition(topic, info.partition())).forEach(partitions::add);
                }
            }
            partitions.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
            Map<TopicPartition, Long> start = new HashMap<>(consumer.beginningOffsets(partitions));
            if (from != null) {
                Map<TopicPartition, Long> query = new HashMap<>();
                partitions.forEach(tp -> query.put(tp, from.toEpochMilli()));
                Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
                for (TopicPartition tp : partitions) {
                    OffsetAndTimestamp at = found.get(tp);
                    start.put(tp, at == null ? end.get(tp) : at.offset());
                }
            }
            return new ClusterLogSource(consumer, List.copyOf(partitions), start, end, to);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    static List<String> discoverTopics(Map<String, Object> clientProperties) {
        try (Admin admin = Admin.create(clientProperties)) {
            return ProtocolTopicNames.select(admin.listTopics().names().get(30, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list the topics of the cluster: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        }
    }

    static Map<String, Object> consumerProperties(Map<String, Object> client) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return props;
    }

    /** The partitions read and their end offsets (exclusive), in read order. */
    public List<TopicPartition> partitions() {
        return partitions;
    }

    public Optional<Long> endOffset(TopicPartition partition) {
        return Optional.ofNullable(end.get(partition));
    }

    @Override
    public void read(Predicate<String> topics, Consumer<ExportedRecord> sink) {
        for (TopicPartition partition : partitions) {
            if (topics.test(partition.topic())) {
                readPartition(partition, sink);
            }
        }
    }

    private void readPartition(TopicPartition partition, Consumer<ExportedRecord> sink) {
        long first = start.get(partition);
        long last = end.get(partition);
        if (first >= last) {
            return;
        }
        consumer.assign(List.of(partition));
        consumer.seek(partition, first);
        long count = 0;
        while (consumer.position(partition) < last) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                if (record.offset() >= last) {
                    break;
                }
                if (to != null && record.timestamp() > to.toEpochMilli()) {
                    continue;
                }
                sink.accept(toExported(record));
                count++;
            }
        }
        LOG.debug("read {} records of {} (offsets {} to {})", count, partition, first, last);
    }

    static ExportedRecord toExported(ConsumerRecord<byte[], byte[]> record) {
        List<ExportedHeader> headers = new ArrayList<>();
        for (Header header : record.headers()) {
            headers.add(ExportedHeader.newBuilder().setKey(header.key())
                    .setValue(header.value() == null ? null : ByteBuffer.wrap(header.value())).build());
        }
        return ExportedRecord.newBuilder()
                .setTopic(record.topic())
                .setPartition(record.partition())
                .setOffset(record.offset())
                .setTimestamp(Instant.ofEpochMilli(record.timestamp()))
                .setTimestampType(record.timestampType().name)
                .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                .setValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
                .setHeaders(headers)
                .build();
    }

    @Override
    public String describe() {
        return "cluster";
    }

    @Override
    public void close() {
        consumer.close();
    }
}
