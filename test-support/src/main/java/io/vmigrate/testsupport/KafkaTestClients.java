package io.vmigrate.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Plain Kafka client helpers for tests against a real broker (real clients, no mocks). {@code client} is a
 * principal's client settings, bootstrap servers included, e.g. {@code cluster.adminClientProperties()}.
 */
public final class KafkaTestClients {

    private KafkaTestClients() {
    }

    public static Admin admin(Map<String, Object> client) {
        return Admin.create(client);
    }

    public static Set<Integer> brokerIds(Map<String, Object> client) throws Exception {
        try (Admin admin = admin(client)) {
            return admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream().map(Node::id)
                .collect(Collectors.toSet());
        }
    }

    public static void createTopic(Map<String, Object> client, String topic, int partitions, short replication,
                            Map<String, String> configs) throws Exception {
        try (Admin admin = admin(client)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, replication).configs(configs)))
                .all().get(60, TimeUnit.SECONDS);
        }
    }

    public static KafkaProducer<String, String> producer(Map<String, Object> client, Map<String, Object> extra) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "90000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.putAll(extra);
        return new KafkaProducer<>(p);
    }

    public static RecordMetadata produce(Map<String, Object> client, String topic, String key, String value) throws Exception {
        try (KafkaProducer<String, String> producer = producer(client, Map.of())) {
            return producer.send(new ProducerRecord<>(topic, key, value)).get(100, TimeUnit.SECONDS);
        }
    }

    /**
     * Reads partition 0 of the topic from the beginning until {@code expected} records arrived or the
     * timeout elapsed (each poll blocks on the broker; no sleeping).
     */
    public static List<ConsumerRecord<String, String>> consume(Map<String, Object> client, String topic, int expected,
                                                        Duration timeout, boolean readCommitted) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }
}
