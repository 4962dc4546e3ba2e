package io.vmigrate.securezone.protocol;

import io.vmigrate.schema.securezone.SecureZoneRequest;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.securezone.SessionChallenge;
import io.vmigrate.schema.serde.SingleObjectCodec;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.apache.avro.specific.SpecificRecord;

/**
 * One session on a secure zone's socket as both ends see it: the zone sends a {@link SessionChallenge}
 * first, then each {@link SecureZoneRequest} frame is answered by one {@link SecureZoneResponse} frame.
 */
public final class SessionFrames {

    public static final SingleObjectCodec<SessionChallenge> CHALLENGES = SingleObjectCodec.of(SessionChallenge.class);
    public static final SingleObjectCodec<SecureZoneRequest> REQUESTS = SingleObjectCodec.of(SecureZoneRequest.class);
    public static final SingleObjectCodec<SecureZoneResponse> RESPONSES = SingleObjectCodec.of(SecureZoneResponse.class);

    private SessionFrames() {}

    /** A connected channel to the zone at {@code socket} and the challenge it opened the session with. */
    public record Session(SocketChannel channel, SessionChallenge challenge) {
    }

    public static Session open(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return new Session(channel, decode(CHALLENGES, Frames.read(channel)));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Writes one request frame and reads the response frame. */
    public static SecureZoneResponse exchange(SocketChannel channel, byte[] requestFrame) throws IOException {
        Frames.write(channel, requestFrame);
        return readResponse(channel);
    }

    public static SecureZoneResponse readResponse(SocketChannel channel) throws IOException {
        return decode(RESPONSES, Frames.read(channel));
    }

    private static <T extends SpecificRecord> T decode(SingleObjectCodec<T> codec, byte[] frame) throws IOException {
        try {
            return codec.decode(frame);
        } catch (SingleObjectCodec.CodecException e) {
            throw new IOException("secure zone sent an undecodable frame: " + e.getMessage(), e);
        }
    }
}
