package io.vmigrate.host.securezone;

import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A secure zone session that survives the secure zone's restart: a call that fails with an
 * {@link IOException} drops the session (the exception still reaches the caller, who retries), and
 * the next call opens a new one. Not thread-safe: the agent's consumer thread is its only user.
 */
public final class ReconnectingSecureZone implements SecureZonePort {

    private static final Logger LOG = LoggerFactory.getLogger(ReconnectingSecureZone.class);

    private final SecureZoneConnector connector;
    private SecureZonePort session;

    public ReconnectingSecureZone(SecureZoneConnector connector) {
        this.connector = Objects.requireNonNull(connector, "connector");
    }

    @FunctionalInterface
    private interface Call {
        SecureZoneResponse on(SecureZonePort port) throws IOException;
    }

    private SecureZoneResponse call(Call call) throws IOException {
        if (session == null) {
            session = connector.connect();
        }
        try {
            return call.on(session);
        } catch (IOException e) {
            LOG.warn("secure zone session broke ({}); reconnecting on the next call", e.toString());
            drop();
            throw e;
        }
    }

    private void drop() {
        SecureZonePort broken = session;
        session = null;
        if (broken != null) {
            broken.close();
        }
    }

    @Override
    public SecureZoneResponse provision(PublicKeyRecord agentKey, List<PublicKeyRecord> centerKeys) throws IOException {
        return call(port -> port.provision(agentKey, centerKeys));
    }

    @Override
    public SecureZoneResponse identity() throws IOException {
        return call(SecureZonePort::identity);
    }

    @Override
    public SecureZoneResponse openCommand(byte[] envelope) throws IOException {
        return call(port -> port.openCommand(envelope));
    }

    @Override
    public SecureZoneResponse installVmKey(byte[] envelope) throws IOException {
        return call(port -> port.installVmKey(envelope));
    }

    @Override
    public SecureZoneResponse attestVm(String migrationId, String vmId, byte[] descriptionDigest,
            byte[] imageManifestDigest) throws IOException {
        return call(port -> port.attestVm(migrationId, vmId, descriptionDigest, imageManifestDigest));
    }

    @Override
    public SecureZoneResponse checkAttestation(byte[] envelope, byte[] receivedDescriptionDigest,
            byte[] receivedImageManifestDigest) throws IOException {
        return call(port -> port.checkAttestation(envelope, receivedDescriptionDigest, receivedImageManifestDigest));
    }

    @Override
    public SecureZoneResponse reportCompletion(String migrationId, String vmId) throws IOException {
        return call(port -> port.reportCompletion(migrationId, vmId));
    }

    @Override
    public SecureZoneResponse deregister(byte[] envelope) throws IOException {
        return call(port -> port.deregister(envelope));
    }

    @Override
    public SecureZoneResponse abort(byte[] envelope, boolean targetVmDestroyed) throws IOException {
        return call(port -> port.abort(envelope, targetVmDestroyed));
    }

    @Override
    public SecureZoneResponse signReply(MessageType type, byte[] body, long bindingEpoch) throws IOException {
        return call(port -> port.signReply(type, body, bindingEpoch));
    }

    @Override
    public void close() {
        drop();
    }
}
