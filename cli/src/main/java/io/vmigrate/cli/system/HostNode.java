package io.vmigrate.cli.system;

import io.vmigrate.host.HostAgent;
import io.vmigrate.host.HostAgentConfig;
import io.vmigrate.host.hypervisor.FileHypervisor;
import io.vmigrate.securezone.SecureZoneConfig;
import io.vmigrate.securezone.SecureZoneServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * One host of the embedded system: its secure zone (listening on its own Unix socket) and its host
 * agent (consuming its own command topic). The two share nothing but that socket; the agent shares
 * nothing with the center but Kafka.
 */
public final class HostNode implements AutoCloseable {

    private final String hostId;
    private final SecureZoneConfig secureZoneConfig;
    private final HostAgentConfig agentConfig;
    private final FileHypervisor hypervisor;
    private final char[] sealingPassword;
    private SecureZoneServer secureZone;
    private HostAgent agent;

    HostNode(String hostId, Map<String, Object> secureZoneSettings, Map<String, Object> agentSettings,
            FileHypervisor hypervisor, char[] sealingPassword) {
        this.hostId = Objects.requireNonNull(hostId);
        this.secureZoneConfig = new SecureZoneConfig(secureZoneSettings);
        this.agentConfig = new HostAgentConfig(agentSettings);
        this.hypervisor = hypervisor;
        this.sealingPassword = sealingPassword.clone();
    }

    public String hostId() {
        return hostId;
    }

    public FileHypervisor hypervisor() {
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
        if (agent == null) {
            HostAgent started = HostAgent.create(agentConfig);
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
