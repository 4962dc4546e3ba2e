package io.vmigrate.securezone;

import io.vmigrate.schema.securezone.SecureZoneRequest;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.securezone.SessionChallenge;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.securezone.protocol.Frames;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A raw connection to a secure zone, for tests that must send what a well-behaved client would not:
 * reads the session challenge on open, then sends whatever it is given. No signing, no sequencing.
 */
final class RawZoneConnection implements AutoCloseable {

    private static final SingleObjectCodec<SessionChallenge> CHALLENGES = SingleObjectCodec.of(SessionChallenge.class);
    private static final SingleObjectCodec<SecureZoneRequest> REQUESTS = SingleObjectCodec.of(SecureZoneRequest.class);
    private static final SingleObjectCodec<SecureZoneResponse> RESPONSES = SingleObjectCodec.of(SecureZoneResponse.class);

    private final SocketChannel channel;
    private final SessionChallenge challenge;

    private RawZoneConnection(SocketChannel channel, SessionChallenge challenge) {
        this.channel = channel;
        this.challenge = challenge;
    }

    static RawZoneConnection open(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            SessionChallenge challenge = decode(CHALLENGES, Frames.read(channel));
            return new RawZoneConnection(channel, challenge);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    SessionChallenge challenge() {
        return challenge;
    }

    SecureZoneResponse exchange(SecureZoneRequest request) throws IOException {
        return exchangeRaw(REQUESTS.encode(request));
    }

    /** Sends any frame bytes and reads one response. */
    SecureZoneResponse exchangeRaw(byte[] frame) throws IOException {
        Frames.write(channel, frame);
        return decode(RESPONSES, Frames.read(channel));
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
        return decode(RESPONSES, Frames.read(channel));
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> T decode(SingleObjectCodec<T> codec, byte[] frame)
            throws IOException {
        try {
            return codec.decode(frame);
        } catch (SingleObjectCodec.CodecException e) {
            throw new IOException("secure zone sent an undecodable frame: " + e.getMessage(), e);
        }
    }
}
