package io.vmigrate.schema.serde;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Builds the exact bytes a signature or digest covers, field by field: strings and byte arrays are
 * length-prefixed, numbers fixed-width big-endian, so no two different field lists share an encoding
 * and the bytes never depend on an Avro schema version.
 */
public final class CanonicalBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    public CanonicalBytes text(String value) {
        return bytes(value.getBytes(StandardCharsets.UTF_8));
    }

    public CanonicalBytes bytes(byte[] value) {
        int64Of(4, value.length);
        out.write(value, 0, value.length);
        return this;
    }

    public CanonicalBytes bytes(ByteBuffer value) {
        return bytes(ByteBuffers.toArray(value));
    }

    public CanonicalBytes int64(long value) {
        return int64Of(8, value);
    }

    public CanonicalBytes flag(boolean value) {
        out.write(value ? 1 : 0);
        return this;
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    private CanonicalBytes int64Of(int width, long value) {
        for (int shift = (width - 1) * 8; shift >= 0; shift -= 8) {
            out.write((int) (value >>> shift));
        }
        return this;
    }
}
