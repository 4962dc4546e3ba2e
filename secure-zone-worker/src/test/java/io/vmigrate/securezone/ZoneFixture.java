package io.vmigrate.securezone;

import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.testing.TestCenter;
import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.securezone.SecureZoneIdentity;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.securezone.client.SecureZoneClient;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A real secure zone on a socket in a temp dir, its agent key, and a test center. */
final class ZoneFixture implements AutoCloseable {

    static final String HOST = "host-a";
    static final String PASSWORD = "sealing-password";

    final Path dir;
    final Suite suite;
    final CryptoSuite crypto;
    final PrivateKeyHandle agentKey;
    static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);

    final TestCenter center;
    private final Clock clock;
    private SecureZoneServer server;
    private SecureZoneClient client;

    private ZoneFixture(Path dir, Suite suite, Clock clock) {
        this.dir = dir;
        this.clock = clock;
        this.suite = suite;
        this.crypto = CryptoSuites.get(suite);
        this.agentKey = crypto.generateSigningKey();
        this.center = new TestCenter(suite);
    }

    static ZoneFixture started(Path dir, Suite suite) throws IOException {
        return started(dir, suite, Clock.systemUTC());
    }

    /** Started with the zone reading {@code clock} (for tests of expiry and retention). */
    static ZoneFixture started(Path dir, Suite suite, Clock clock) throws IOException {
        ZoneFixture fixture = new ZoneFixture(dir, suite, clock);
        fixture.server = new SecureZoneServer(fixture.config(), clock).start();
        return fixture;
    }

    /** Started, with the agent key and the test center key pinned. */
    static ZoneFixture provisioned(Path dir, Suite suite) throws IOException {
        return provisioned(dir, suite, Clock.systemUTC());
    }

    static ZoneFixture provisioned(Path dir, Suite suite, Clock clock) throws IOException {
        ZoneFixture fixture = started(dir, suite, clock);
        SecureZoneResponse response = fixture.client().provision(fixture.agentRecord(), List.of(fixture.center.publicKeyRecord()));
        if (response.getOutcome() != SecureZoneOutcome.OK) {
            throw new IllegalStateException("provisioning failed: " + response);
        }
        return fixture;
    }

    SecureZoneConfig config() {
        return new SecureZoneConfig(Map.of(
                SecureZoneConfig.HOST_ID, HOST,
                SecureZoneConfig.SUITE, suite.name(),
                SecureZoneConfig.SOCKET, socket().toString(),
                SecureZoneConfig.STATE_DIR, stateDir().toString(),
                SecureZoneConfig.SEALING_PASSWORD, PASSWORD));
    }

    Path socket() {
        return dir.resolve("sz.sock");
    }

    Path stateDir() {
        return dir.resolve("state");
    }

    PublicKeyRecord agentRecord() {
        return PublicKeyRecords.toRecord(agentKey.publicKey());
    }

    /** The agent's client (one per fixture, like the host agent's). */
    SecureZoneClient client() throws IOException {
        if (client == null) {
            client = SecureZoneClient.connect(socket(), HOST, crypto.signer(agentKey), crypto);
        }
        return client;
    }

    SecureZoneClient newClient(PrivateKeyHandle signingKey) throws IOException {
        return SecureZoneClient.connect(socket(), HOST, signingKey == null ? null : crypto.signer(signingKey), crypto);
    }

    SecureZoneIdentity identity() throws IOException {
        return client().identity().getIdentity();
    }

    PublicKeyRecord encapsulationKey() throws IOException {
        return identity().getEncapsulationKey();
    }

    /** Closes the server and starts a new one on the same state dir and socket. */
    void restart() throws IOException {
        server.close();
        server = new SecureZoneServer(config(), clock).start();
    }

    void stop() {
        server.close();
    }

    /** Opens a zone-signed reply as the center would: signer must be this zone's registered signing key. */
    OpenedEnvelope openReply(SecureZoneResponse response) throws Exception {
        return openReply(ByteBuffers.toArray(response.getSignedReply()));
    }

    OpenedEnvelope openReply(byte[] reply) throws Exception {
        var zoneKey = PublicKeyRecords.fromRecord(identity().getSigningKey());
        var verifier = crypto.verifier(zoneKey);
        var opener = new EnvelopeOpener(keyId -> keyId.equals(zoneKey.keyId().toString()) ? Optional.of(verifier) : Optional.empty(),
                Clock.systemUTC(), Duration.ofSeconds(5));
        SignedEnvelope envelope = ENVELOPES.decode(reply);
        return opener.open(envelope);
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        server.close();
    }
}
