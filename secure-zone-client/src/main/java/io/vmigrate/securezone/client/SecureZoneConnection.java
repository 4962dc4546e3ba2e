package io.vmigrate.securezone.client;

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
 * One raw connection to a secure zone: reads the session challenge on open, then exchanges
 * request and response frames. Does no signing or sequencing ({@link SecureZoneClient} does).
 * Not thread-safe.
 */
final class SecureZoneConnection implements AutoCloseable {

    private static final SingleObjectCodec<SessionChallenge> CHALLENGES = SingleObjectCodec.of(SessionChallenge.class);
    private static final SingleObjectCodec<SecureZoneRequest> REQUESTS = SingleObjectCodec.of(SecureZoneRequest.class);
    private static final SingleObjectCodec<SecureZoneResponse> RESPONSES = SingleObjectCodec.of(SecureZoneResponse.class);

    private final SocketChannel channel;
    private final SessionChallenge challenge;

    private SecureZoneConnection(SocketChannel channel, SessionChallenge challenge) {
        this.channel = channel;
        this.challenge = challenge;
    }

    static SecureZoneConnection open(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            SessionChallenge challenge = decode(CHALLENGES, Frames.read(channel));
            return new SecureZoneConnection(channel, challenge);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    SessionChallenge challenge() {
        return challenge;
    }

    SecureZoneResponse exchange(SecureZoneRequest request) throws IOException {
        Frames.write(channel, REQUESTS.encode(request));
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
