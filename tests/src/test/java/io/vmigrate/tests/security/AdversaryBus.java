package io.vmigrate.tests.security;

import io.vmigrate.cli.operator.TopicSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The attacker's side of the bus: a plain byte producer on a login that may write anywhere (the
 * embedded cluster's super user, from {@code clients/admin.properties}) and holds no signing key, plus
 * raw reads of what the system made of its records.
 */
final class AdversaryBus implements AutoCloseable {

    /** One record as the attacker wrote it, with where it landed. */
    record Written(String kind, String topic, int partition, long offset, Fate fate) {
        String coordinates() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    /** Record batch header (61 bytes) and the record's own framing with a short key: what a value cannot use. */
    private static final int BATCH_OVERHEAD = 61 + 12;

    private final Map<String, Object> client;
    private final KafkaProducer<byte[], byte[]> producer;

    AdversaryBus(Map<String, Object> client) {
        this.client = Map.copyOf(client);
        Map<String, Object> props = new HashMap<>(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 16L * 1024 * 1024);
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Writes one record (to {@code partition}, or where its key maps if null) and waits for the broker's ack. */
    Written write(String kind, String topic, Integer partition, byte[] key, byte[] value, Fate fate) {
        try {
            RecordMetadata at = producer.send(new ProducerRecord<>(topic, partition, key, value)).get();
            return new Written(kind, topic, at.partition(), at.offset(), fate);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot write " + kind + " to " + topic + ": " + e.getCause(), e.getCause());
        }
    }

    /** Every committed record of {@code topic} now, in partition order. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(TopicSnapshot.consumerProperties(client), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = TopicSnapshot.partitionsOf(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
        }
        return records;
    }

    /** A record's key and value. */
    record Parts(byte[] key, byte[] value) {
        int size() {
            return (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        }
    }

    /**
     * Writes the largest record the broker takes on {@code topic} of the family {@code make} builds from a
     * padding length: sized from the topic's {@code max.message.bytes} less the batch framing, one padding
     * unit smaller each time the broker refuses it. {@code partitionFor} places it by its key (null: where the key maps).
     */
    Written writeLargest(String kind, String topic, IntFunction<Parts> make, Function<byte[], Integer> partitionFor, Fate fate)
            throws Exception {
        int limit;
        try (Admin admin = Admin.create(client)) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            limit = Integer.parseInt(config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value()) - BATCH_OVERHEAD;
        }
        int base = make.apply(0).size();
        int perUnit = make.apply(1).size() - base;
        int padding = (limit - base) / perUnit;
        for (int attempt = 0; attempt < 64; attempt++, padding--) {
            Parts parts = make.apply(padding);
            Integer partition = partitionFor == null ? null : partitionFor.apply(parts.key());
            try {
                RecordMetadata at = producer.send(new ProducerRecord<>(topic, partition, parts.key(), parts.value())).get();
                return new Written(kind + " (" + parts.size() + " bytes)", topic, at.partition(), at.offset(), fate);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RecordTooLargeException)) {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("the broker took no record of about " + limit + " bytes on " + topic);
    }

    /** The offset a consumer group has committed on a partition, or -1. */
    long committedOffset(String group, String topic, int partition) throws Exception {
        try (Admin admin = Admin.create(client)) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            OffsetAndMetadata committed = offsets.get(new TopicPartition(topic, partition));
            return committed == null ? -1 : committed.offset();
        }
    }

    static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    @Override
    public void close() {
        producer.close();
    }
}
