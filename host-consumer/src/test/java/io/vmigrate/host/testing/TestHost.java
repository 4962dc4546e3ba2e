package io.vmigrate.host.testing;

import io.vmigrate.host.CommandHandler;
import io.vmigrate.host.hypervisor.FileHypervisor;
import io.vmigrate.host.store.DurableIdSet;
import io.vmigrate.host.store.ProcessedCommandStore;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.securezone.SecureZoneIdentity;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.securezone.SecureZoneConfig;
import io.vmigrate.securezone.SecureZoneServer;
import io.vmigrate.securezone.client.SecureZoneClient;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.PublicKeyHandle;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * One host as the agent sees it, with the REAL secure zone server on a temp socket, the file
 * hypervisor under a shared root, the durable stores under the host's state dir, and a recording
 * publisher in place of Kafka.
 */
public final class TestHost implements AutoCloseable {

    public final String hostId;
    public final CryptoSuite suite;
    public final FileHypervisor hypervisor;
    public final RecordingPublisher published = new RecordingPublisher();
    public final PrivateKeyHandle agentKey;
    public final SecureZoneClient secureZone;
    public final ProcessedCommandStore processed;
    public final DurableIdSet registrations;
    public final DurableIdSet pendingCompletions;
    public final CommandHandler handler;
    public final SecureZoneIdentity identity;
    private final SecureZoneConfig zoneConfig;
    private final Clock clock;
    private SecureZoneServer server;

    public TestHost(String hostId, CryptoSuite suite, Path hypervisorRoot, Path dir, PublicKeyHandle centerKey)
            throws IOException {
        this(hostId, suite, hypervisorRoot, dir, centerKey, Clock.systemUTC());
    }

    /** As above, the secure zone, the agent and its processed-command store all reading {@code clock}. */
    public TestHost(String hostId, CryptoSuite suite, Path hypervisorRoot, Path dir, PublicKeyHandle centerKey,
            Clock clock) throws IOException {
        this.hostId = hostId;
        this.clock = clock;
        this.suite = suite;
        this.zoneConfig = new SecureZoneConfig(Map.of(
                SecureZoneConfig.HOST_ID, hostId,
                SecureZoneConfig.SUITE, suite.suite().name().toLowerCase(),
                SecureZoneConfig.SOCKET, dir.resolve("sz.sock").toString(),
                SecureZoneConfig.STATE_DIR, dir.resolve("secure-zone").toString(),
                SecureZoneConfig.SEALING_PASSWORD, "sealing-" + hostId));
        startSecureZone();
        this.hypervisor = new FileHypervisor(hypervisorRoot, hostId, suite.digest());
        this.agentKey = suite.generateSigningKey();
        this.secureZone = SecureZoneClient.connectingOnFirstCall(zoneConfig.socketPath(), hostId, suite.signer(agentKey),
                suite);
        var provisioned = secureZone.provision(PublicKeyRecords.toRecord(agentKey.publicKey()),
                List.of(PublicKeyRecords.toRecord(centerKey)));
        if (provisioned.getOutcome() != SecureZoneOutcome.OK) {
            throw new IllegalStateException("provisioning failed: " + provisioned);
        }
        this.identity = provisioned.getIdentity();
        this.processed = ProcessedCommandStore.open(dir.resolve("agent/processed-commands.log"),
                ProcessedCommandStore.DEFAULT_RETENTION, clock);
        this.registrations = DurableIdSet.open(dir.resolve("agent/registered-vms"));
        this.pendingCompletions = DurableIdSet.open(dir.resolve("agent/pending-completions"));
        this.handler = new CommandHandler(hostId, Topics.withDefaultWireFormat(), secureZone, hypervisor, processed,
                registrations, pendingCompletions, published, clock);
    }

    public void startSecureZone() throws IOException {
        server = new SecureZoneServer(zoneConfig, clock).start();
    }

    public void stopSecureZone() {
        server.close();
    }

    public PublicKeyHandle signingKey() {
        return PublicKeyRecords.fromRecord(identity.getSigningKey());
    }

    public PublicKeyHandle encapsulationKey() {
        return PublicKeyRecords.fromRecord(identity.getEncapsulationKey());
    }

    @Override
    public void close() throws IOException {
        secureZone.close();
        server.close();
        processed.close();
    }
}
