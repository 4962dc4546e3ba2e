package io.vmigrate.center;

import io.vmigrate.schema.registry.TrustRegistryEntry;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads {@code trust.registry} values without ever throwing. The registry feeds a global store, and
 * in Kafka Streams 4.4 a deserialization failure on a global source is fatal: the configured handler's
 * dead-letter records make {@code RecordDeserializer} cast the global thread's context to
 * {@code RecordCollector.Supplier}, the cast fails, the global thread dies, and the bootstrap of the
 * next start ({@code GlobalStateManagerImpl.reprocessState}) reads the same record and dies again.
 * So the failure never reaches Kafka Streams: it becomes a {@link RegistryRecord.Undecodable} value
 * that the registry's processors ignore (and count).
 */
final class RegistryRecordDeserializer implements Deserializer<RegistryRecord> {

    /** A registry entry holds three public keys and a signature; anything this large is not one. */
    static final int MAX_VALUE_BYTES = 64 * 1024;

    private final Deserializer<TrustRegistryEntry> entries;

    RegistryRecordDeserializer(Deserializer<TrustRegistryEntry> entries) {
        this.entries = entries;
    }

    @Override
    public RegistryRecord deserialize(String topic, byte[] data) {
        if (data == null) {
            return new RegistryRecord.Tombstone();
        }
        if (data.length > MAX_VALUE_BYTES) {
            return new RegistryRecord.Undecodable(data.length + " bytes, more than " + MAX_VALUE_BYTES);
        }
        try {
            TrustRegistryEntry entry = entries.deserialize(topic, data);
            return entry == null
                    ? new RegistryRecord.Undecodable("decodes to nothing")
                    : new RegistryRecord.Decoded(entry);
        } catch (RuntimeException e) {
            // Any failure of a decoder over hostile bytes (schema, truncation, bad lengths) is the same answer.
            return new RegistryRecord.Undecodable(e.getClass().getSimpleName());
        }
    }

    @Override
    public void close() {
        entries.close();
    }
}
