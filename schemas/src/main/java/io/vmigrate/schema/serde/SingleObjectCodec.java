package io.vmigrate.schema.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
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
    /** One reader per writer-schema fingerprint seen; resolution from old versions is cached inside. */
    private final Map<Long, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();

    private SingleObjectCodec(Class<T> type) {
        AvroTrust.install();
        this.type = Objects.requireNonNull(type, "type");
        this.model = SpecificData.getForClass(type);
        this.readerSchema = ProtocolSchemas.currentSchema(type);
        this.encoder = new BinaryMessageEncoder<>(model, readerSchema);
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

    /** Decodes, refusing an unknown schema fingerprint, a bad marker, truncation or trailing garbage. */
    public T decode(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length < HEADER_LENGTH || bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
            throw new CodecException("cannot decode " + type.getSimpleName() + " (" + bytes.length
                    + " bytes): not Avro single-object encoding (bad or missing C3 01 marker)", null);
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        try {
            SpecificDatumReader<T> reader = readers.computeIfAbsent(fingerprint, this::readerFor);
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, null);
            T record = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new IOException("trailing bytes after the datum");
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

    private SpecificDatumReader<T> readerFor(long fingerprint) {
        Schema writer = ProtocolSchemas.store().findByFingerprint(fingerprint);
        if (writer == null) {
            throw new UnknownSchemaException(String.format("unknown writer schema fingerprint %016x", fingerprint));
        }
        if (!writer.getFullName().equals(readerSchema.getFullName())) {
            throw new UnknownSchemaException("writer schema is " + writer.getFullName() + ", expected " + readerSchema.getFullName());
        }
        return new SpecificDatumReader<>(writer, readerSchema, model);
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
