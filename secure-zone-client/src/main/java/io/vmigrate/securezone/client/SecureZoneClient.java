package io.vmigrate.securezone.client;

import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.securezone.Abort;
import io.vmigrate.schema.securezone.AttestVm;
import io.vmigrate.schema.securezone.CheckAttestation;
import io.vmigrate.schema.securezone.Deregister;
import io.vmigrate.schema.securezone.GetIdentity;
import io.vmigrate.schema.securezone.InstallVmKey;
import io.vmigrate.schema.securezone.OpenCommand;
import io.vmigrate.schema.securezone.Provision;
import io.vmigrate.schema.securezone.ReportCompletion;
import io.vmigrate.schema.securezone.SecureZoneRequest;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.securezone.SessionChallenge;
import io.vmigrate.schema.securezone.SignReply;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.securezone.protocol.Operations;
import io.vmigrate.securezone.protocol.RelaySigningInput;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.Signer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host agent's side of the secure-zone socket: keeps one connection, signs every request with
 * the agent key over the session challenge, the sequence number and the operation's digest, and
 * returns the zone's {@link SecureZoneResponse}. A broken connection fails the call with
 * {@link SecureZoneUnavailableException}; the next call connects again (new challenge, sequence 1),
 * so the client outlives restarts of the secure zone. Thread-safe: calls are serialized.
 */
public final class SecureZoneClient implements SecureZonePort {

    private static final Logger LOG = LoggerFactory.getLogger(SecureZoneClient.class);

    private final Path socket;
    private final String hostId;
    private final Signer agentSigner;
    private final CryptoSuite suite;

    private SecureZoneConnection connection;
    private long sequence;
    private boolean closed;

    private SecureZoneClient(Path socket, String hostId, Signer agentSigner, CryptoSuite suite) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.hostId = Objects.requireNonNull(hostId, "hostId");
        this.agentSigner = agentSigner;
        this.suite = Objects.requireNonNull(suite, "suite");
    }

    /**
     * Connects and reads the first challenge.
     *
     * @param agentSigner the agent key's signer; {@code null} sends unsigned requests, which a zone
     *     serves only for PROVISION and GET_IDENTITY before an agent key is pinned
     */
    public static SecureZoneClient connect(Path socket, String hostId, Signer agentSigner, CryptoSuite suite)
            throws IOException {
        SecureZoneClient client = new SecureZoneClient(socket, hostId, agentSigner, suite);
        synchronized (client) {
            client.ensureConnected();
        }
        return client;
    }

    /**
     * A client that connects on its first call, so a secure zone that is not up yet (or restarting)
     * fails that call with {@link SecureZoneUnavailableException} rather than the construction.
     */
    public static SecureZoneClient connectingOnFirstCall(Path socket, String hostId, Signer agentSigner, CryptoSuite suite) {
        return new SecureZoneClient(socket, hostId, agentSigner, suite);
    }

    /** The challenge of the current connection (connecting if needed): says whether the zone is provisioned. */
    public synchronized SessionChallenge challenge() throws IOException {
        return ensureConnected().challenge();
    }

    @Override
    public SecureZoneResponse provision(PublicKeyRecord agentKey, List<PublicKeyRecord> centerKeys) throws IOException {
        return call(Provision.newBuilder().setAgentKey(agentKey).setCenterKeys(List.copyOf(centerKeys)).build());
    }

    @Override
    public SecureZoneResponse identity() throws IOException {
        return call(GetIdentity.newBuilder().build());
    }

    /** Verifies a MIGRATE_OUT or CREATE_TARGET_VM command envelope (single-object bytes as consumed). */
    @Override
    public SecureZoneResponse openCommand(byte[] envelope) throws IOException {
        return call(OpenCommand.newBuilder().setEnvelope(ByteBuffer.wrap(envelope.clone())).build());
    }

    @Override
    public SecureZoneResponse installVmKey(byte[] envelope) throws IOException {
        return call(InstallVmKey.newBuilder().setEnvelope(ByteBuffer.wrap(envelope.clone())).build());
    }

    @Override
    public SecureZoneResponse attestVm(String migrationId, String vmId, byte[] descriptionDigest, byte[] imageManifestDigest)
            throws IOException {
        return call(AttestVm.newBuilder().setMigrationId(migrationId).setVmId(vmId)
                .setDescriptionDigest(ByteBuffer.wrap(descriptionDigest.clone()))
                .setImageManifestDigest(ByteBuffer.wrap(imageManifestDigest.clone())).build());
    }

    @Override
    public SecureZoneResponse checkAttestation(byte[] envelope, byte[] receivedDescriptionDigest,
            byte[] receivedImageManifestDigest) throws IOException {
        return call(CheckAttestation.newBuilder().setEnvelope(ByteBuffer.wrap(envelope.clone()))
                .setReceivedDescriptionDigest(ByteBuffer.wrap(receivedDescriptionDigest.clone()))
                .setReceivedImageManifestDigest(ByteBuffer.wrap(receivedImageManifestDigest.clone())).build());
    }

    @Override
    public SecureZoneResponse reportCompletion(String migrationId, String vmId) throws IOException {
        return call(ReportCompletion.newBuilder().setMigrationId(migrationId).setVmId(vmId).build());
    }

    @Override
    public SecureZoneResponse deregister(byte[] envelope) throws IOException {
        return call(Deregister.newBuilder().setEnvelope(ByteBuffer.wrap(envelope.clone())).build());
    }

    @Override
    public SecureZoneResponse verifyAbort(byte[] envelope) throws IOException {
        return call(Abort.newBuilder().setEnvelope(ByteBuffer.wrap(envelope.clone())).setTargetVmDestroyed(false)
                .setVerifyOnly(true).build());
    }

    @Override
    public SecureZoneResponse abort(byte[] envelope, boolean targetVmDestroyed) throws IOException {
        return call(Abort.newBuilder().setEnvelope(ByteBuffer.wrap(envelope.clone())).setTargetVmDestroyed(targetVmDestroyed)
                .build());
    }

    /** Has the zone sign a TARGET_VM_CREATED (for a verified CREATE_TARGET_VM) or COMMAND_REFUSED body. */
    @Override
    public SecureZoneResponse signReply(MessageType messageType, byte[] body, long bindingEpoch) throws IOException {
        return call(SignReply.newBuilder().setMessageType(messageType).setBody(ByteBuffer.wrap(body.clone()))
                .setBindingEpoch(bindingEpoch).build());
    }

    private synchronized SecureZoneResponse call(SpecificRecord operation) throws IOException {
        SecureZoneConnection current = ensureConnected();
        long next = sequence + 1;
        byte[] operationBytes = Operations.encode(operation);
        byte[] signature = new byte[0];
        if (agentSigner != null) {
            byte[] challenge = ByteBuffers.toArray(current.challenge().getChallenge());
            signature = agentSigner.sign(RelaySigningInput.of(challenge, next, operationBytes, suite.digest()),
                    RelaySigningInput.context(hostId)).toBytes();
        }
        SecureZoneRequest request = SecureZoneRequest.newBuilder()
                .setSequence(next).setOperationType(Operations.typeOf(operation))
                .setOperation(ByteBuffer.wrap(operationBytes)).setAgentSignature(ByteBuffer.wrap(signature)).build();
        SecureZoneResponse response;
        try {
            response = current.exchange(request);
        } catch (IOException e) {
            LOG.warn("secure zone session broke during {} ({}); reconnecting on the next call", request.getOperationType(),
                    e.toString());
            disconnect();
            throw new SecureZoneUnavailableException("secure zone of host " + hostId + " at " + socket
                    + " dropped the connection during " + request.getOperationType() + ": " + e.getMessage(), e);
        }
        sequence = next;
        if (response.getSequence() != next) {
            disconnect();
            throw new IOException("secure zone answered sequence " + response.getSequence() + " to request " + next);
        }
        return response;
    }

    private SecureZoneConnection ensureConnected() throws IOException {
        if (closed) {
            throw new IllegalStateException("secure zone client is closed");
        }
        if (connection != null && connection.isOpen()) {
            return connection;
        }
        SecureZoneConnection opened;
        try {
            opened = SecureZoneConnection.open(socket);
        } catch (IOException e) {
            throw new SecureZoneUnavailableException("cannot reach the secure zone of host " + hostId + " at " + socket
                    + ": " + e.getMessage(), e);
        }
        if (!hostId.equals(opened.challenge().getHostId())) {
            opened.close();
            throw new IOException("socket " + socket + " is the secure zone of host " + opened.challenge().getHostId()
                    + ", not " + hostId);
        }
        connection = opened;
        sequence = 0;
        LOG.debug("connected to the secure zone of host {} (provisioned: {})", hostId, opened.challenge().getProvisioned());
        return connection;
    }

    private void disconnect() {
        if (connection != null) {
            try {
                connection.close();
            } catch (IOException e) {
                LOG.debug("closing the secure-zone connection failed: {}", e.toString());
            }
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        disconnect();
        closed = true;
    }
}
