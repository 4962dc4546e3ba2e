package io.vmigrate.trust.internal;

import io.vmigrate.trust.MalformedBlobException;
import java.util.Arrays;

/** Reads blob layouts written by {@link BlobWriter}, refusing anything short, long or out of bounds. */
public final class BlobReader {
    private final byte[] data;
    private final String what;
    private int position;

    public BlobReader(byte[] data, String what) throws MalformedBlobException {
        if (data == null) {
            throw new MalformedBlobException(what + ": no bytes");
        }
        this.data = data;
        this.what = what;
    }

    public int u8() throws MalformedBlobException {
        require(1, "a byte");
        return data[position++] & 0xff;
    }

    public byte[] fixed(int length, String field) throws MalformedBlobException {
        require(length, field);
        byte[] value = Arrays.copyOfRange(data, position, position + length);
        position += length;
        return value;
    }

    /** A 4-byte length followed by that many bytes; the length must be within [min, max]. */
    public byte[] lengthPrefixed(String field, int min, int max) throws MalformedBlobException {
        require(4, field + " length");
        long length = ((data[position] & 0xffL) << 24) | ((data[position + 1] & 0xff) << 16)
                | ((data[position + 2] & 0xff) << 8) | (data[position + 3] & 0xff);
        position += 4;
        if (length < min || length > max) {
            throw new MalformedBlobException(what + ": " + field + " length " + length + " outside [" + min + ", " + max + "]");
        }
        return fixed((int) length, field);
    }

    public void expectEnd() throws MalformedBlobException {
        if (position != data.length) {
            throw new MalformedBlobException(what + ": " + (data.length - position) + " trailing bytes");
        }
    }

    private void require(int count, String field) throws MalformedBlobException {
        if (data.length - position < count) {
            throw new MalformedBlobException(what + ": truncated while reading " + field);
        }
    }
}
