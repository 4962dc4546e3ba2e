package io.vmigrate.embedded;

import io.vmigrate.host.HostAgent;
import io.vmigrate.host.HostAgentConfig;
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
    private final char[] sealingPassword;
    private SecureZoneServer secureZone;
    private HostAgent agent;

    HostNode(String hostId, Map<String, Object> secureZoneSettings, Map<String, Object> agentSettings,
            char[] sealingPassword) {
        this.hostId = Objects.requireNonNull(hostId);
        this.secureZoneConfig = new SecureZoneConfig(secureZoneSettings);
        this.agentConfig = new HostAgentConfig(agentSettings);
        this.hypervisor = agentConfig.hypervisorBackend().create(agentConfig, CryptoSuites.get(agentConfig.suite()).digest());
        this.sealingPassword = sealingPassword.clone();
    }

    public String hostId() {
        return hostId;
    }

    public HypervisorPort hypervisor() {
        return hypervisor;
    }

    public Path secureZoneStateDir() {
        return secureZoneConfig.stateDir();
    }

    /** For tests that read the vTCM store to check no private key ever left it. */
    public char[] sealingPassword() {
        return sealingPassword.clone();
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
