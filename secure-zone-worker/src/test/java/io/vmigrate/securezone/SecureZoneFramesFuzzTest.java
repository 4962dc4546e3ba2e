package io.vmigrate.securezone;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.fuzz.FuzzInputs;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.securezone.Provision;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.securezone.SecureZoneRequest;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.securezone.protocol.Frames;
import io.vmigrate.securezone.protocol.Operations;
import io.vmigrate.securezone.protocol.RelaySigningInput;
import io.vmigrate.securezone.protocol.SessionFrames;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Suite;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;

/**
 * What an agent connection can send a provisioned zone, read as {@link ZoneConnection} reads it: frames
 * ({@link Frames#read}: only EOF or {@link Frames.FrameTooLargeException}), each a
 * {@link SecureZoneRequest} (or {@link SingleObjectCodec.CodecException}, which ends the connection),
 * served by the real zone. The harness signs each request's operation with the pinned agent key as the
 * agent does, unless the request carries no signature or one starting with a zero byte (those reach the
 * agent-signature check as they are), so the fuzzer reaches every operation's decoding, the command
 * gate and the handlers. Oracle: every request gets an answer that encodes, and no answer is an
 * INTERNAL_ERROR (the zone's catch-all for an exception a handler did not expect).
 */
class SecureZoneFramesFuzzTest {

    private static final Suite SUITE = Suite.INTL;
    private static final CryptoSuite CRYPTO = CryptoSuites.get(SUITE);
    private static final byte[] CHALLENGE = new byte[ZoneConnection.CHALLENGE_BYTES];
    private static final PrivateKeyHandle AGENT_KEY = CRYPTO.generateSigningKey();
    private static final Signer AGENT = CRYPTO.signer(AGENT_KEY);
    private static final SecureZone ZONE = provisionedZone();

    @FuzzTest(maxDuration = "3m")
    void everyRequestIsAnsweredWithoutAnInternalError(byte[] connection) throws IOException {
        ReadableByteChannel channel = Channels.newChannel(new ByteArrayInputStream(connection));
        while (true) {
            byte[] frame;
            try {
                frame = Frames.read(channel);
            } catch (EOFException | Frames.FrameTooLargeException closed) {
                return;
            }
            SecureZoneRequest request;
            try {
                request = SessionFrames.REQUESTS.decode(frame);
            } catch (SingleObjectCodec.CodecException notARequest) {
                return;
            }
            SecureZoneResponse response = ZONE.handle(CHALLENGE, signedAsTheAgentWould(request));
            SessionFrames.RESPONSES.encode(response);
            if (response.getOutcome() == SecureZoneOutcome.REFUSED && response.getReason() == RefusalReason.INTERNAL_ERROR) {
                throw new AssertionError("the zone failed inside on a " + request.getOperationType() + " request: "
                        + response.getDetail());
            }
        }
    }

    private static SecureZoneRequest signedAsTheAgentWould(SecureZoneRequest request) {
        byte[] signature = ByteBuffers.toArray(request.getAgentSignature());
        if (signature.length == 0 || signature[0] == 0) {
            return request;
        }
        byte[] operation = ByteBuffers.toArray(request.getOperation());
        byte[] signed = AGENT.sign(RelaySigningInput.of(CHALLENGE, request.getSequence(), operation, CRYPTO.digest()),
                RelaySigningInput.context(FuzzInputs.HOST)).toBytes();
        return SecureZoneRequest.newBuilder(request).setAgentSignature(ByteBuffer.wrap(signed)).build();
    }

    /** A zone on a fresh state dir at the real envelopes' instant, pinning the agent key and their signer. */
    private static SecureZone provisionedZone() {
        try {
            Path dir = Files.createTempDirectory("zone-fuzz");
            SecureZone zone = SecureZone.open(FuzzInputs.HOST, CRYPTO, dir.resolve("state"), "fuzz-password".toCharArray(),
                    Clock.fixed(FuzzInputs.NOW, ZoneOffset.UTC), Duration.ofMinutes(5), Duration.ofSeconds(5));
            Provision provision = Provision.newBuilder().setAgentKey(PublicKeyRecords.toRecord(AGENT_KEY.publicKey()))
                    .setCenterKeys(List.of(FuzzInputs.signer(SUITE))).build();
            SecureZoneResponse provisioned = zone.handle(CHALLENGE, SecureZoneRequest.newBuilder().setSequence(1)
                    .setOperationType(Operations.typeOf(provision)).setOperation(ByteBuffer.wrap(Operations.encode(provision)))
                    .setAgentSignature(ByteBuffer.allocate(0)).build());
            if (provisioned.getOutcome() != SecureZoneOutcome.OK) {
                throw new IllegalStateException("provisioning the fuzzed zone failed: " + provisioned);
            }
            return zone;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
