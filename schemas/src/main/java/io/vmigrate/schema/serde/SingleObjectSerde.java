package io.vmigrate.schema.serde;

import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde over {@link SingleObjectCodec}. A null value stays null (compaction tombstones);
 * failures surface as Kafka's {@link SerializationException} naming the topic, never the payload.
 */
public final class SingleObjectSerde<T extends SpecificRecord>
        implements Serde<T>, Serializer<T>, Deserializer<T> {

    private final SingleObjectCodec<T> codec;

    SingleObjectSerde(SingleObjectCodec<T> codec) {
        this.codec = codec;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            return codec.encode(data);
        } catch (SingleObjectCodec.CodecException e) {
            throw new SerializationException("topic " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            return codec.decode(data);
        } catch (SingleObjectCodec.CodecException e) {
            throw new SerializationException("topic " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // nothing to configure: the schema store is built in
    }

    @Override
    public void close() {
        // stateless
    }
}
