package io.vmigrate.schema.serde;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/** Serdes in Avro single-object encoding. Stateless. */
public final class SingleObjectSerdeFactory implements SerdeFactory {

    static final SingleObjectSerdeFactory INSTANCE = new SingleObjectSerdeFactory();

    private SingleObjectSerdeFactory() {}

    @Override
    public WireFormat wireFormat() {
        return WireFormat.SINGLE_OBJECT;
    }

    @Override
    public <T extends SpecificRecord> Serde<T> serde(Class<T> type) {
        return new SingleObjectSerde<>(SingleObjectCodec.of(type));
    }
}
