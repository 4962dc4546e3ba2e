package io.vmigrate.cli.operator;

import io.vmigrate.schema.topic.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a topic from its beginning (or from given offsets) up to the end offsets seen at the start,
 * without a consumer group: for compacted registries such as {@code vm.inventory}, and for waiting on
 * new records from a recorded position.
 */
public final class TopicSnapshot {

    private TopicSnapshot() {}

    public static Map<String, Object> consumerProperties(Map<String, Object> client) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return props;
    }

    /** Every record currently in the topic, in partition order; later records of a key win in a map. */
    public static <K, V> void readToEnd(Map<String, Object> client, Topic<K, V> topic, BiConsumer<K, V> sink) {
        try (var consumer = new KafkaConsumer<>(consumerProperties(client),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = partitionsOf(consumer, topic.name());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (!reached(consumer, end)) {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> sink.accept(record.key(), record.value()));
            }
        }
    }

    /**
     * Reads the topic from its beginning and goes on reading what arrives until {@code done} holds
     * (checked after each batch) or {@code timeout} passes; true if it held. The consumer's poll is the wait.
     */
    public static <K, V> boolean readUntil(Map<String, Object> client, Topic<K, V> topic, BiConsumer<K, V> sink,
            java.util.function.BooleanSupplier done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (var consumer = new KafkaConsumer<>(consumerProperties(client),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = partitionsOf(consumer, topic.name());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                consumer.poll(Duration.ofNanos(Math.min(left, Duration.ofMillis(500).toNanos())))
                        .forEach(record -> sink.accept(record.key(), record.value()));
            }
            return true;
        }
    }

    /** The current end offsets of a topic, to follow only what is written after this moment. */
    public static Map<TopicPartition, Long> endOffsets(Map<String, Object> client, String topic) {
        try (var consumer = new KafkaConsumer<>(consumerProperties(client),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            return consumer.endOffsets(partitionsOf(consumer, topic));
        }
    }

    public static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> consumer, String topic) {
        var infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        return partitions;
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (var entry : end.entrySet()) {
            if (consumer.position(entry.getKey()) < entry.getValue()) {
                return false;
            }
        }
        return true;
    }
}
