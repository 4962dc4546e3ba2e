package io.vmigrate.center;

import io.vmigrate.schema.request.OperatorGrant;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads {@code operator.registry} values without ever throwing: it feeds a global store, where a
 * deserialization failure is fatal on every start (see {@link RegistryRecordDeserializer}). Bytes
 * that are not a grant read as null, which {@link OperatorRegistryUpdater} ignores like a tombstone.
 */
final class LenientGrantDeserializer implements Deserializer<OperatorGrant> {

    static final int MAX_VALUE_BYTES = 16 * 1024;

    private final Deserializer<OperatorGrant> grants;

    LenientGrantDeserializer(Deserializer<OperatorGrant> grants) {
        this.grants = grants;
    }

    @Override
    public OperatorGrant deserialize(String topic, byte[] data) {
        if (data == null || data.length > MAX_VALUE_BYTES) {
            return null;
        }
        try {
            return grants.deserialize(topic, data);
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public void close() {
        grants.close();
    }
}
