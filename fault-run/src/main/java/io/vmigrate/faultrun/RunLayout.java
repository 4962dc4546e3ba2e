package io.vmigrate.faultrun;

import io.vmigrate.embedded.SystemSecrets;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where a run keeps everything: the same layout as the embedded system ({@code EmbeddedSystem}), so the
 * invariant checks read a fault run and an embedded system alike.
 *
 * <pre>
 * &lt;dataDir&gt;/secrets.properties             the run's passwords (0600): center.vault, sealing.&lt;host&gt;, agent.&lt;host&gt;
 * &lt;dataDir&gt;/center/vault.bcfks              the center's sealed vault (shared by its instances)
 * &lt;dataDir&gt;/center/instance-&lt;n&gt;/            one center instance's Streams state (fault run only)
 * &lt;dataDir&gt;/hosts/&lt;host&gt;/secure-zone/       the zone's sealed key store and sealed state
 * &lt;dataDir&gt;/hosts/&lt;host&gt;/agent/             the agent's state (processed-command log, agent key store)
 * &lt;dataDir&gt;/hypervisor/&lt;host&gt;/vms/&lt;vm&gt;/     each host's VMs on disk (FileHypervisor)
 * &lt;dataDir&gt;/cluster/                        the brokers' data (fault run only)
 * &lt;dataDir&gt;/logs/                           every child process's log (fault run only)
 * </pre>
 */
public record RunLayout(Path dataDir, Suite suite, List<String> hostIds) {

    public RunLayout {
        dataDir = Objects.requireNonNull(dataDir, "dataDir").toAbsolutePath();
        Objects.requireNonNull(suite, "suite");
        hostIds = List.copyOf(hostIds);
    }

    public SystemSecrets secrets() {
        return SystemSecrets.loadOrCreate(dataDir);
    }

    public Path centerDir() {
        return dataDir.resolve("center");
    }

    public Path centerVault() {
        return centerDir().resolve("vault.bcfks");
    }

    public Path centerInstanceDir(int instance) {
        return centerDir().resolve("instance-" + instance);
    }

    public Path hostDir(String hostId) {
        return dataDir.resolve("hosts").resolve(hostId);
    }

    public Path secureZoneStateDir(String hostId) {
        return hostDir(hostId).resolve("secure-zone");
    }

    public Path agentStateDir(String hostId) {
        return hostDir(hostId).resolve("agent");
    }

    public Path hypervisorRoot() {
        return dataDir.resolve("hypervisor");
    }

    public Path clusterDir() {
        return dataDir.resolve("cluster");
    }

    public Path logsDir() {
        return dataDir.resolve("logs");
    }
}
