package io.vmigrate.schema.serde;

import java.nio.ByteBuffer;

/** Avro hands out {@code bytes} fields as ByteBuffers; this copies one out without moving its position. */
public final class ByteBuffers {

    private ByteBuffers() {}

    public static byte[] toArray(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }
}
