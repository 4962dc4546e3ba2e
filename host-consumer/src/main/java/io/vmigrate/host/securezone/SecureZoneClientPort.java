package io.vmigrate.host.securezone;

import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.securezone.client.SecureZoneClient;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.Signer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** The production {@link SecureZonePort}: the secure zone's own client over its Unix domain socket. */
public final class SecureZoneClientPort implements SecureZonePort {

    private final SecureZoneClient client;

    public SecureZoneClientPort(SecureZoneClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** Sessions with the secure zone at {@code socket}, each request signed by the agent key. */
    public static SecureZoneConnector connector(Path socket, String hostId, Signer agentSigner, CryptoSuite suite) {
        return () -> new SecureZoneClientPort(SecureZoneClient.connect(socket, hostId, agentSigner, suite));
    }

    @Override
    public SecureZoneResponse provision(PublicKeyRecord agentKey, List<PublicKeyRecord> centerKeys) throws IOException {
        return client.provision(agentKey, centerKeys);
    }

    @Override
    public SecureZoneResponse identity() throws IOException {
        return client.identity();
    }

    @Override
    public SecureZoneResponse openCommand(byte[] envelope) throws IOException {
        return client.openCommand(envelope);
    }

    @Override
    public SecureZoneResponse installVmKey(byte[] envelope) throws IOException {
        return client.installVmKey(envelope);
    }

    @Override
    public SecureZoneResponse attestVm(String migrationId, String vmId, byte[] descriptionDigest,
            byte[] imageManifestDigest) throws IOException {
        return client.attestVm(migrationId, vmId, descriptionDigest, imageManifestDigest);
    }

    @Override
    public SecureZoneResponse checkAttestation(byte[] envelope, byte[] receivedDescriptionDigest,
            byte[] receivedImageManifestDigest) throws IOException {
        return client.checkAttestation(envelope, receivedDescriptionDigest, receivedImageManifestDigest);
    }

    @Override
    public SecureZoneResponse reportCompletion(String migrationId, String vmId) throws IOException {
        return client.reportCompletion(migrationId, vmId);
    }

    @Override
    public SecureZoneResponse deregister(byte[] envelope) throws IOException {
        return client.deregister(envelope);
    }

    @Override
    public SecureZoneResponse abort(byte[] envelope, boolean targetVmDestroyed) throws IOException {
        return client.abort(envelope, targetVmDestroyed);
    }

    @Override
    public SecureZoneResponse signReply(MessageType type, byte[] body, long bindingEpoch) throws IOException {
        return client.signReply(type, body, bindingEpoch);
    }

    @Override
    public void close() {
        client.close();
    }
}
