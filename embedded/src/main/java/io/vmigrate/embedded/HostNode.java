package io.vmigrate.embedded;

import java.util.HashMap;
import java.nio.file.Files;
import io.vmigrate.trust.Suite;
import io.vmigrate.host.HostAgent;
import io.vmigrate.host.HostAgentConfig;
import io.vmigrate.host.hypervisor.HypervisorException;
import io.vmigrate.host.hypervisor.HypervisorPort;
import io.vmigrate.securezone.client.SecureZonePort;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import java.time.Clock;
import io.vmigrate.securezone.SecureZoneConfig;
import io.vmigrate.securezone.SecureZoneServer;
import io.vmigrate.securezone.client.SecureZoneClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * One host of the embedded system: its secure zone (listening on its own Unix socket) and its host
 * agent (consuming its own command topic). The two share nothing but that socket; the agent shares
 * nothing with the center but Kafka.
 */
public final class HostNode implements AutoCloseable {

    private final String hostId;
    private final SecureZoneConfig secureZoneConfig;
    private final HostAgentConfig agentConfig;
    private final HypervisorPort hypervisor;
    private SecureZoneServer secureZone;
    private HostAgent agent;

    HostNode(String hostId, Map<String, Object> secureZoneSettings, Map<String, Object> agentSettings) {
        this.hostId = Objects.requireNonNull(hostId);
        this.secureZoneConfig = new SecureZoneConfig(secureZoneSettings);
        this.agentConfig = new HostAgentConfig(agentSettings);
        this.hypervisor = agentConfig.hypervisorBackend().create(agentConfig.hypervisorSettings(), CryptoSuites.get(agentConfig.suite()).digest());
    }

    /**
     * A host of the embedded system: secure zone and agent settings under {@code hostDir}, passwords from
     * {@code secrets}, Kafka client settings (bootstrap servers and the host's own login) from {@code kafkaClient};
     * its agent presents the {@code provisioningStatement} file at enrollment, if one is given (written before it starts).
     */
    static HostNode create(String hostId, Path hostDir, Path hypervisorRoot, Map<String, Object> kafkaClient, Suite suiteOf,
            short replicationFactor, Path centerPublicKeyFile, SystemSecrets secrets, java.util.Optional<Path> provisioningStatement)
            throws IOException {
        Files.createDirectories(hostDir);
        String suite = suiteOf.name().toLowerCase(java.util.Locale.ROOT);
        Path socket = hostDir.resolve("secure-zone.sock");
        char[] sealing = secrets.sealingPassword(hostId);

        Map<String, Object> zone = new HashMap<>();
        zone.put(SecureZoneConfig.HOST_ID, hostId);
        zone.put(SecureZoneConfig.SUITE, suite);
        zone.put(SecureZoneConfig.SOCKET, socket.toString());
        zone.put(SecureZoneConfig.STATE_DIR, hostDir.resolve("secure-zone").toString());
        zone.put(SecureZoneConfig.SEALING_PASSWORD, new String(sealing));

        Map<String, Object> agent = new HashMap<>();
        kafkaClient.forEach((key, value) -> agent.put(
                key.equals(HostAgentConfig.BOOTSTRAP_SERVERS) ? key : HostAgentConfig.KAFKA_CLIENT_PREFIX + key, value));
        agent.put(HostAgentConfig.HOST_ID, hostId);
        agent.put(HostAgentConfig.SUITE, suite);
        agent.put(HostAgentConfig.SECURE_ZONE_SOCKET, socket.toString());
        agent.put(HostAgentConfig.STATE_DIR, hostDir.resolve("agent").toString());
        agent.put(HostAgentConfig.AGENT_KEYSTORE_PASSWORD, new String(secrets.agentPassword(hostId)));
        agent.put(HostAgentConfig.HYPERVISOR_ROOT, hypervisorRoot.toString());
        agent.put(HostAgentConfig.CENTER_PUBLIC_KEY_FILE, centerPublicKeyFile.toString());
        agent.put(HostAgentConfig.COMMAND_TOPIC_REPLICATION_FACTOR, String.valueOf(replicationFactor));
        agent.put(HostAgentConfig.METRICS_HOST, "localhost");
        agent.put(HostAgentConfig.METRICS_PORT, "0");
        provisioningStatement.ifPresent(file -> agent.put(HostAgentConfig.PROVISIONING_STATEMENT_FILE, file.toString()));

        return new HostNode(hostId, zone, agent);
    }

    public String hostId() {
        return hostId;
    }

    /** The consumer group of this host's agent (its ACLs allow it that group alone). */
    public String agentConsumerGroup() {
        return agentConfig.groupId();
    }

    public HypervisorPort hypervisor() {
        return hypervisor;
    }

    public Path secureZoneStateDir() {
        return secureZoneConfig.stateDir();
    }

    /**
     * Defines a new running VM on this host and has the agent ask the center to register it (its
     * epoch-0 key is delivered as for the VMs found at enrollment).
     */
    public synchronized void addVm(String vmId, String name, byte[] image) throws HypervisorException, IOException {
        hypervisor.defineVm(vmId, name, image);
        if (agent != null) {
            agent.registerNewVms();
        }
    }

    public synchronized void startSecureZone() {
        if (secureZone == null) {
            try {
                secureZone = new SecureZoneServer(secureZoneConfig).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the secure zone of " + hostId, e);
            }
        }
    }

    /** The fingerprint (key id) of the running secure zone's signing key, which the center approves the host by. */
    public synchronized String secureZoneFingerprint() {
        if (secureZone == null) {
            throw new IllegalStateException("the secure zone of " + hostId + " is not running");
        }
        return secureZone.signingKeyFingerprint();
    }

    /** Starts the agent; it enrolls the host (first time) and registers the VMs it finds. */
    public synchronized void startAgent() {
        startAgentRelayingThrough(UnaryOperator.identity());
    }

    /**
     * Starts the agent with something between it and its secure zone, e.g. a test's model of a
     * compromised user zone that alters what it relays: the secure zone must refuse it.
     */
    public synchronized void startAgentRelayingThrough(UnaryOperator<SecureZonePort> userZone) {
        if (agent == null) {
            CryptoSuite suite = CryptoSuites.get(agentConfig.suite());
            HostAgent started = new HostAgent(agentConfig, hypervisor, signer -> userZone.apply(
                    SecureZoneClient.connectingOnFirstCall(agentConfig.secureZoneSocket(), hostId, signer, suite)),
                    Clock.systemUTC());
            started.start();
            agent = started;
        }
    }

    public synchronized void stopAgent() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
    }

    /** Where the running agent serves {@code GET /metrics} (a new free port after each start). */
    public synchronized java.util.Optional<java.net.URI> agentMetricsUrl() {
        return agent == null ? java.util.Optional.empty() : agent.metricsUri();
    }

    public synchronized boolean agentRunning() {
        return agent != null && agent.isRunning();
    }

    public synchronized void stopSecureZone() {
        if (secureZone != null) {
            secureZone.close();
            secureZone = null;
        }
    }

    @Override
    public synchronized void close() {
        stopAgent();
        stopSecureZone();
    }
}
