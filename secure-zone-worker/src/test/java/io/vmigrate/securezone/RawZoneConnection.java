package io.vmigrate.securezone;

import io.vmigrate.securezone.protocol.SessionFrames;
import io.vmigrate.schema.securezone.SecureZoneRequest;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.securezone.SessionChallenge;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A raw connection to a secure zone, for tests that must send what a well-behaved client would not:
 * reads the session challenge on open, then sends whatever it is given. No signing, no sequencing.
 */
final class RawZoneConnection implements AutoCloseable {

    private final SocketChannel channel;
    private final SessionChallenge challenge;

    private RawZoneConnection(SessionFrames.Session session) {
        this.channel = session.channel();
        this.challenge = session.challenge();
    }

    static RawZoneConnection open(Path socket) throws IOException {
        return new RawZoneConnection(SessionFrames.open(socket));
    }

    SessionChallenge challenge() {
        return challenge;
    }

    SecureZoneResponse exchange(SecureZoneRequest request) throws IOException {
        return exchangeRaw(SessionFrames.REQUESTS.encode(request));
    }

    /** Sends any frame bytes and reads one response. */
    SecureZoneResponse exchangeRaw(byte[] frame) throws IOException {
        return SessionFrames.exchange(channel, frame);
    }

    /** Writes bytes as they are, without framing, e.g. an oversize length header. */
    void writeUnframed(byte[] bytes) throws IOException {
        var buffer = java.nio.ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Reads one response frame. */
    SecureZoneResponse readResponse() throws IOException {
        return SessionFrames.readResponse(channel);
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
