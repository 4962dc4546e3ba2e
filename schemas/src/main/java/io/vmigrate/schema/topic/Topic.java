package io.vmigrate.schema.topic;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/**
 * A Kafka topic with its key and value serdes and the topic-level configs it must be created with.
 * Declared once, in {@link Topics}; code never spells a topic name or picks a serde itself.
 */
public final class Topic<K, V> {

    private final String name;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private final Map<String, String> configs;

    Topic(String name, Serde<K> keySerde, Serde<V> valueSerde, Map<String, String> configs) {
        this.name = Objects.requireNonNull(name, "name");
        this.keySerde = Objects.requireNonNull(keySerde, "keySerde");
        this.valueSerde = Objects.requireNonNull(valueSerde, "valueSerde");
        this.configs = Map.copyOf(configs);
    }

    public String name() {
        return name;
    }

    public Serde<K> keySerde() {
        return keySerde;
    }

    public Serde<V> valueSerde() {
        return valueSerde;
    }

    /** Topic-level configs (e.g. {@code cleanup.policy=compact}) to use when creating it. */
    public Map<String, String> configs() {
        return configs;
    }

    @Override
    public String toString() {
        return name;
    }
}
