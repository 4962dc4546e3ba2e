package io.vmigrate.trust.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds the binary layouts of blobs: single bytes, fixed fields, 4-byte big-endian length prefixes. */
public final class BlobWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(128);

    public BlobWriter u8(int value) {
        out.write(value);
        return this;
    }

    public BlobWriter fixed(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    public BlobWriter lengthPrefixed(byte[] bytes) {
        u32(bytes.length);
        out.writeBytes(bytes);
        return this;
    }

    public BlobWriter lengthPrefixedUtf8(String text) {
        return lengthPrefixed(text.getBytes(StandardCharsets.UTF_8));
    }

    public BlobWriter u32(int value) {
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
        return this;
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
