package io.vmigrate.schema.testing;

import io.vmigrate.schema.serde.ProtocolSchemas;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * One well-formed sample datum of any schema (first enum symbol, first non-null union branch, one
 * element per array and map, strings naming their field), single-object encoded under that schema's
 * own fingerprint. Gives the fuzzers real structure to start from for every released version.
 */
public final class SchemaSamples {

    private SchemaSamples() {}

    /** {@code C3 01}, the schema's fingerprint, then the sample datum written with {@code schema}. */
    public static byte[] singleObject(Schema schema) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xC3);
        out.write(0x01);
        out.writeBytes(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(ProtocolSchemas.fingerprint(schema)).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new GenericDatumWriter<Object>(schema, GenericData.get()).write(sample(schema, "x"), encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The sample datum of {@code schema}; {@code name} seeds the string values. */
    public static Object sample(Schema schema, String name) {
        switch (schema.getType()) {
            case RECORD:
                GenericData.Record record = new GenericData.Record(schema);
                for (Schema.Field field : schema.getFields()) {
                    record.put(field.pos(), sample(field.schema(), field.name()));
                }
                return record;
            case ENUM:
                return new GenericData.EnumSymbol(schema, schema.getEnumSymbols().get(0));
            case ARRAY:
                return new GenericData.Array<>(schema, List.of(sample(schema.getElementType(), name)));
            case MAP:
                return Map.of("k", sample(schema.getValueType(), name));
            case UNION:
                return schema.getTypes().stream().filter(branch -> branch.getType() != Schema.Type.NULL).findFirst()
                        .map(branch -> sample(branch, name)).orElse(null);
            case FIXED:
                return new GenericData.Fixed(schema, new byte[schema.getFixedSize()]);
            case STRING:
                return "sample-" + name;
            case BYTES:
                return ByteBuffer.wrap(new byte[] {1, 2, 3, 4});
            case INT:
                return 7;
            case LONG:
                return 1_800_000_000_000L;
            case FLOAT:
                return 1.5f;
            case DOUBLE:
                return 2.5d;
            case BOOLEAN:
                return true;
            case NULL:
                return null;
            default:
                throw new IllegalArgumentException("no sample for " + schema.getType());
        }
    }
}
