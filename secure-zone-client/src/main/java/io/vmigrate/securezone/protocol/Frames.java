package io.vmigrate.securezone.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The socket framing between a host agent and its secure zone: a 4-byte big-endian length, then
 * that many bytes of one single-object-encoded Avro record. Frames are at most {@link #MAX_FRAME_BYTES}.
 */
public final class Frames {

    public static final int MAX_FRAME_BYTES = 1 << 20;

    private Frames() {}

    /**
     * Reads one frame.
     *
     * @throws EOFException if the peer closed the connection (before or inside a frame)
     * @throws FrameTooLargeException if the announced length is negative, zero or above the limit
     */
    public static byte[] read(ReadableByteChannel channel) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(Integer.BYTES);
        readFully(channel, header);
        int length = header.flip().getInt();
        if (length <= 0 || length > MAX_FRAME_BYTES) {
            throw new FrameTooLargeException("frame length " + length + " outside 1.." + MAX_FRAME_BYTES);
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        readFully(channel, payload);
        return payload.array();
    }

    public static void write(WritableByteChannel channel, byte[] frame) throws IOException {
        if (frame.length == 0 || frame.length > MAX_FRAME_BYTES) {
            throw new FrameTooLargeException("frame of " + frame.length + " bytes outside 1.." + MAX_FRAME_BYTES);
        }
        ByteBuffer buffer = ByteBuffer.allocate(Integer.BYTES + frame.length);
        buffer.putInt(frame.length).put(frame).flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void readFully(ReadableByteChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("connection closed after " + buffer.position() + " of " + buffer.capacity() + " bytes");
            }
        }
    }

    /** A frame that breaks the size limit; the connection cannot be resynchronised and is closed. */
    public static final class FrameTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        public FrameTooLargeException(String message) {
            super(message);
        }
    }
}
