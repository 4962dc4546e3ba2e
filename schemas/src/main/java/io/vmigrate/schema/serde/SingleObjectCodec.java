package io.vmigrate.schema.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding (marker {@code C3 01}, the writer schema's CRC-64-AVRO fingerprint,
 * then the binary datum) of one generated record type. Decodes data written with any released
 * version of the schema that {@link ProtocolSchemas#store()} knows. Thread-safe.
 */
public final class SingleObjectCodec<T extends SpecificRecord> {

    private static final int HEADER_LENGTH = 10;
    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;

    private final Class<T> type;
    private final SpecificData model;
    private final Schema readerSchema;
    private final BinaryMessageEncoder<T> encoder;
    private final long readerFingerprint;
    /** One reader per writer-schema fingerprint seen; resolution from old versions is cached inside. */
    private final Map<Long, WriterVersion<T>> readers = new ConcurrentHashMap<>();

    private SingleObjectCodec(Class<T> type) {
        AvroTrust.install();
        this.type = Objects.requireNonNull(type, "type");
        this.model = SpecificData.getForClass(type);
        this.readerSchema = ProtocolSchemas.currentSchema(type);
        this.encoder = new BinaryMessageEncoder<>(model, readerSchema);
        this.readerFingerprint = ProtocolSchemas.fingerprint(readerSchema);
    }

    public static <T extends SpecificRecord> SingleObjectCodec<T> of(Class<T> type) {
        return new SingleObjectCodec<>(type);
    }

    public Class<T> type() {
        return type;
    }

    public byte[] encode(T record) {
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException | AvroRuntimeException | ClassCastException | NullPointerException e) {
            throw new CodecException("cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Decodes, refusing an unknown schema fingerprint, a bad marker, truncation, trailing garbage, and any
     * encoding but the canonical one of its writer schema (an over-long varint, a split or sized array
     * block, a boolean byte other than 0 or 1, malformed UTF-8). A signature covers the decoded fields,
     * not these bytes: without this, one signed envelope would have many encodings that all open.
     */
    public T decode(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length < HEADER_LENGTH || bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
            throw new CodecException("cannot decode " + type.getSimpleName() + " (" + bytes.length
                    + " bytes): not Avro single-object encoding (bad or missing C3 01 marker)", null);
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        try {
            WriterVersion<T> version = readers.computeIfAbsent(fingerprint, this::readerFor);
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, null);
            T record = version.reader().read(null, decoder);
            if (!decoder.isEnd()) {
                throw new IOException("trailing bytes after the datum");
            }
            if (!version.isCanonical(bytes, fingerprint == readerFingerprint ? record : null, this)) {
                throw new IOException("not the canonical encoding of the datum");
            }
            return record;
        } catch (IOException | RuntimeException e) {
            // The message names the type and the failure, never the payload.
            throw new CodecException(
                    "cannot decode " + type.getSimpleName() + " (" + bytes.length + " bytes): "
                            + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()),
                    e);
        }
    }

    private WriterVersion<T> readerFor(long fingerprint) {
        Schema writer = ProtocolSchemas.store().findByFingerprint(fingerprint);
        if (writer == null) {
            throw new UnknownSchemaException(String.format("unknown writer schema fingerprint %016x", fingerprint));
        }
        if (!writer.getFullName().equals(readerSchema.getFullName())) {
            throw new UnknownSchemaException("writer schema is " + writer.getFullName() + ", expected " + readerSchema.getFullName());
        }
        return new WriterVersion<>(new SpecificDatumReader<>(writer, readerSchema, model),
                new GenericDatumReader<>(writer, writer, GenericData.get()), new GenericDatumWriter<>(writer, GenericData.get()),
                !WriterVersion.containsMap(writer, new HashSet<>()));
    }

    /**
     * A writer schema seen on the wire and how its data is read. Schemas with a map are not checked for
     * canonical encoding: a map's entry order is the writer's hash order, which re-encoding need not repeat.
     */
    private record WriterVersion<T extends SpecificRecord>(SpecificDatumReader<T> reader, GenericDatumReader<Object> asWritten,
            GenericDatumWriter<Object> writeAgain, boolean checkable) {

        /**
         * Whether {@code bytes} are exactly what encoding their datum again gives: by this codec when the
         * writer is the current schema ({@code current} is the decoded record), else under the writer schema.
         */
        boolean isCanonical(byte[] bytes, T current, SingleObjectCodec<T> codec) throws IOException {
            if (!checkable) {
                return true;
            }
            if (current != null) {
                return Arrays.equals(bytes, codec.encode(current));
            }
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, null);
            Object datum = asWritten.read(null, decoder);
            ByteArrayOutputStream again = new ByteArrayOutputStream(bytes.length);
            again.write(bytes, 0, HEADER_LENGTH);
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(again, null);
            writeAgain.write(datum, encoder);
            encoder.flush();
            return Arrays.equals(bytes, again.toByteArray());
        }

        private static boolean containsMap(Schema schema, Set<String> seen) {
            switch (schema.getType()) {
                case MAP:
                    return true;
                case ARRAY:
                    return containsMap(schema.getElementType(), seen);
                case UNION:
                    return schema.getTypes().stream().anyMatch(branch -> containsMap(branch, seen));
                case RECORD:
                    return seen.add(schema.getFullName())
                            && schema.getFields().stream().anyMatch(field -> containsMap(field.schema(), seen));
                default:
                    return false;
            }
        }
    }

    private static final class UnknownSchemaException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnknownSchemaException(String message) {
            super(message);
        }
    }

    /** A record that cannot be encoded or decoded; carries no payload bytes. */
    public static final class CodecException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CodecException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
