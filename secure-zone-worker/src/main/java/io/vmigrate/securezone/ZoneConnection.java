package io.vmigrate.securezone;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.securezone.SecureZoneRequest;
import io.vmigrate.schema.securezone.SessionChallenge;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.securezone.protocol.Frames;
import io.vmigrate.securezone.protocol.SessionFrames;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent connection: sends a fresh challenge, then serves framed requests in sequence (1, 2, ...).
 * A frame that is too large or does not decode, or a sequence out of order, ends the connection:
 * the stream cannot be trusted to be in step any more.
 */
final class ZoneConnection implements Runnable {

    static final int CHALLENGE_BYTES = 32;

    private static final Logger LOG = LoggerFactory.getLogger(ZoneConnection.class);

    private final SocketChannel channel;
    private final SecureZone zone;
    private final SecureRandom random;
    private final Consumer<ZoneConnection> onClose;
    private final String name;

    ZoneConnection(SocketChannel channel, SecureZone zone, SecureRandom random, long number, Consumer<ZoneConnection> onClose) {
        this.channel = channel;
        this.zone = zone;
        this.random = random;
        this.onClose = onClose;
        this.name = "host " + zone.hostId() + " connection #" + number;
    }

    @Override
    public void run() {
        try (channel) {
            byte[] challenge = new byte[CHALLENGE_BYTES];
            random.nextBytes(challenge);
            Frames.write(channel, SessionFrames.CHALLENGES.encode(SessionChallenge.newBuilder()
                    .setChallenge(ByteBuffer.wrap(challenge)).setHostId(zone.hostId()).setProvisioned(zone.provisioned())
                    .build()));
            LOG.debug("{}: opened", name);
            serve(challenge);
        } catch (EOFException | ClosedChannelException e) {
            LOG.debug("{}: closed", name);
        } catch (Frames.FrameTooLargeException e) {
            LOG.warn("{}: closing: {}", name, e.getMessage());
        } catch (IOException e) {
            LOG.info("{}: closing after I/O failure: {}", name, e.toString());
        } finally {
            onClose.accept(this);
        }
    }

    private void serve(byte[] challenge) throws IOException {
        long expected = 1;
        while (true) {
            byte[] frame = Frames.read(channel);
            SecureZoneRequest request;
            try {
                request = SessionFrames.REQUESTS.decode(frame);
            } catch (SingleObjectCodec.CodecException e) {
                LOG.warn("{}: closing: frame is not a SecureZoneRequest: {}", name, e.getMessage());
                return;
            }
            if (request.getSequence() != expected) {
                LOG.warn("{}: closing: request sequence {} where {} was due", name, request.getSequence(), expected);
                Frames.write(channel, SessionFrames.RESPONSES.encode(ZoneResponses.refused(request.getSequence(),
                        RefusalReason.AGENT_NOT_AUTHENTICATED, "sequence " + request.getSequence() + " where " + expected
                                + " was due; connection closed").build()));
                return;
            }
            expected++;
            Frames.write(channel, SessionFrames.RESPONSES.encode(zone.handle(challenge, request)));
        }
    }

    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("{}: close failed: {}", name, e.toString());
        }
    }
}
