package io.vmigrate.tests.security;

import io.vmigrate.schema.serde.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Variants of a real record, each with one bit flipped in the value of one field (a nested record: in
 * its first field), re-encoded so the result is still well-formed: what an attacker who captured a
 * signed record can make of it without a key.
 */
final class FieldFlips {

    /** One variant: which field was flipped, and the record with it flipped. */
    record Flip<T extends SpecificRecord>(String field, T record) {
    }

    private FieldFlips() {}

    static <T extends SpecificRecord> List<Flip<T>> of(T original, Class<T> type) {
        SingleObjectCodec<T> codec = SingleObjectCodec.of(type);
        byte[] encoded = codec.encode(original);
        List<Flip<T>> flips = new ArrayList<>();
        for (Schema.Field field : original.getSchema().getFields()) {
            Object value = original.get(field.pos());
            if (value == null) {
                continue;
            }
            T copy = codec.decode(encoded);
            copy.put(field.pos(), flipped(value));
            flips.add(new Flip<>(field.name(), copy));
        }
        return flips;
    }

    private static Object flipped(Object value) {
        if (value instanceof CharSequence text) {
            String s = text.toString();
            return s.isEmpty() ? "x" : (char) (s.charAt(0) ^ 1) + s.substring(1);
        }
        if (value instanceof Enum<?> symbol) {
            Object[] symbols = symbol.getDeclaringClass().getEnumConstants();
            return symbols[(symbol.ordinal() + 1) % symbols.length];
        }
        if (value instanceof Instant instant) {
            return Instant.ofEpochMilli(instant.toEpochMilli() ^ 1);
        }
        if (value instanceof Long number) {
            return number ^ 1;
        }
        if (value instanceof Integer number) {
            return number ^ 1;
        }
        if (value instanceof Boolean flag) {
            return !flag;
        }
        if (value instanceof ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            if (bytes.length == 0) {
                return ByteBuffer.wrap(new byte[] {1});
            }
            bytes[bytes.length / 2] ^= 1;
            return ByteBuffer.wrap(bytes);
        }
        if (value instanceof SpecificRecord nested) {
            Schema.Field first = nested.getSchema().getFields().get(0);
            // Nested records are copied by re-encoding the outer one; flipping in place on that copy is safe.
            nested.put(first.pos(), flipped(nested.get(first.pos())));
            return nested;
        }
        throw new IllegalArgumentException("no flip for a " + value.getClass().getName());
    }
}
