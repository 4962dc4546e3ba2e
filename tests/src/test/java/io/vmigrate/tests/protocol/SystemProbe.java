package io.vmigrate.tests.protocol;

import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.host.hypervisor.VmInfo;
import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.securezone.InstalledVmKey;
import io.vmigrate.securezone.VtcmStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads what the tests assert on: topics as an auditor sees them, hypervisors and secure-zone stores as a host sees them. */
final class SystemProbe {

    private final EmbeddedSystem system;

    SystemProbe(EmbeddedSystem system) {
        this.system = system;
    }

    List<AuditRecord> audit(String migrationId) {
        List<AuditRecord> records = new ArrayList<>();
        TopicSnapshot.readToEnd(system.clientProperties(), system.topics().migrationAudit(), (key, record) -> {
            if (migrationId.equals(key)) {
                records.add(record);
            }
        });
        return records;
    }

    List<SecurityAlert> alerts() {
        List<SecurityAlert> alerts = new ArrayList<>();
        TopicSnapshot.readToEnd(system.clientProperties(), system.topics().securityAlerts(), (key, alert) -> alerts.add(alert));
        return alerts;
    }

    List<SecurityAlert> alertsAbout(String messageId) {
        return alerts().stream().filter(alert -> messageId.equals(alert.getOffendingMessageId())).toList();
    }

    /** Every command the center sent to a host, in order. */
    List<SignedEnvelope> commandsTo(String hostId) {
        List<SignedEnvelope> commands = new ArrayList<>();
        TopicSnapshot.readToEnd(system.clientProperties(), system.topics().hostCommands(hostId), (key, envelope) -> commands.add(envelope));
        return commands;
    }

    VmInventoryEntry binding(String vmId) {
        return system.operator().bindings().get(vmId);
    }

    /** The hosts whose hypervisor runs the VM now. */
    List<String> hostsRunning(String vmId) {
        List<String> hosts = new ArrayList<>();
        for (String hostId : system.hostIds()) {
            try {
                for (VmInfo vm : system.host(hostId).hypervisor().list()) {
                    if (vm.vmId().equals(vmId)) {
                        hosts.add(hostId);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return hosts;
    }

    /** The sealing password the embedded system gave the host's secure zone. */
    char[] sealingPassword(String hostId) {
        java.util.Properties passwords = new java.util.Properties();
        try (var in = java.nio.file.Files.newInputStream(system.dataDir().resolve("secrets.properties"))) {
            passwords.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return passwords.getProperty("sealing." + hostId).toCharArray();
    }

    /** The VM key a host's secure zone holds for a VM, if any. */
    Optional<InstalledVmKey> installedKey(String hostId, String vmId) {
        try {
            return VtcmStore.listInstalled(system.host(hostId).secureZoneStateDir(), sealingPassword(hostId)).stream()
                    .filter(key -> key.vmId().equals(vmId)).findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
