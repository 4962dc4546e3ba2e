package io.vmigrate.securezone.client;

import io.vmigrate.schema.securezone.SecureZoneRequest;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.securezone.SessionChallenge;
import io.vmigrate.securezone.protocol.SessionFrames;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * One raw connection to a secure zone: reads the session challenge on open, then exchanges
 * request and response frames. Does no signing or sequencing ({@link SecureZoneClient} does).
 * Not thread-safe.
 */
final class SecureZoneConnection implements AutoCloseable {

    private final SocketChannel channel;
    private final SessionChallenge challenge;

    private SecureZoneConnection(SessionFrames.Session session) {
        this.channel = session.channel();
        this.challenge = session.challenge();
    }

    static SecureZoneConnection open(Path socket) throws IOException {
        return new SecureZoneConnection(SessionFrames.open(socket));
    }

    SessionChallenge challenge() {
        return challenge;
    }

    SecureZoneResponse exchange(SecureZoneRequest request) throws IOException {
        return SessionFrames.exchange(channel, SessionFrames.REQUESTS.encode(request));
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
