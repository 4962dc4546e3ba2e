package io.vmigrate.faultrun;

import io.vmigrate.cli.operator.TopicSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Re-delivers records as a faulty network or a replaying attacker would: exact copies (key, value, headers,
 * partition, timestamp) of the last committed records of a topic, produced again by the super user. Each copy's
 * coordinates are kept, so replay may name it as an injected duplicate and nothing else.
 */
final class Redelivery {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, Object> client;

    Redelivery(Map<String, Object> client) {
        this.client = Map.copyOf(client);
    }

    /** Copies the last {@code perPartition} committed records of each partition of {@code topic}. */
    List<InjectedDuplicate> copyLast(String topic, int perPartition) throws InterruptedException {
        List<ConsumerRecord<byte[], byte[]>> originals = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(TopicSnapshot.consumerProperties(client), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = TopicSnapshot.partitionsOf(consumer, topic);
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            for (TopicPartition partition : partitions) {
                consumer.seek(partition, Math.max(begin.get(partition), end.get(partition) - perPartition));
            }
            long until = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (System.nanoTime() < until && partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
                        originals.add(record);
                    }
                }
            }
        }
        Map<String, Object> props = new HashMap<>(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        List<InjectedDuplicate> copies = new ArrayList<>();
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ConsumerRecord<byte[], byte[]> original : originals) {
                RecordMetadata copy = producer.send(new ProducerRecord<>(original.topic(), original.partition(),
                        original.timestamp(), original.key(), original.value(), original.headers())).get();
                copies.add(new InjectedDuplicate(copy.topic(), copy.partition(), copy.offset(), original.topic(),
                        original.partition(), original.offset()));
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot re-deliver records of " + topic + ": " + e.getCause(), e.getCause());
        }
        return copies;
    }
}
