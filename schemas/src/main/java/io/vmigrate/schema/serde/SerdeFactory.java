package io.vmigrate.schema.serde;

import org.apache.kafka.common.serialization.Serde;
import org.apache.avro.specific.SpecificRecord;

/**
 * Makes the value serde of a generated record type for one wire format. The seam through which a
 * second wire format (Confluent's, against a schema registry) will be added; chosen by
 * {@link WireFormat#CONFIG}.
 */
public interface SerdeFactory {

    WireFormat wireFormat();

    <T extends SpecificRecord> Serde<T> serde(Class<T> type);
}
