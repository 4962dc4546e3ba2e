package io.vmigrate.forensics;

import io.vmigrate.schema.common.MigrationStep;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What replay keeps of one migration: small, and independent of how many records it had. Also decides
 * the rules that need a whole migration (or all commits of a VM) once every record has been seen.
 */
final class MigrationTrace {

    record Sent(String messageId, Instant issuedAt, RecordCoordinates at) {}

    record Install(String deliveryKey, String messageId, Instant issuedAt, RecordCoordinates at) {}

    record Commit(BindingRow row, Instant recordedAt, RecordCoordinates at) {}

    boolean audited;
    String vmId;
    long lastSequence = -1;
    MigrationStep lastStep;
    boolean aborted;
    Commit commit;
    final Map<String, RecordCoordinates> commandIds = new HashMap<>();
    final Map<String, Instant> deliveries = new HashMap<>();
    final List<Install> installs = new ArrayList<>(1);
    final List<Sent> deregisters = new ArrayList<>(1);
    final List<Sent> deregistered = new ArrayList<>(1);
    final Map<String, Sent> effects = new HashMap<>();
    final List<RecordCoordinates> inventoryWrites = new ArrayList<>(1);

    void checkDeregisters(String migrationId, Duration clockSkew, List<Anomaly> anomalies) {
        for (Sent command : deregisters) {
            if (commit == null || command.issuedAt().isBefore(commit.recordedAt())) {
                anomalies.add(Anomaly.at(Rule.DEREGISTER_BEFORE_COMMIT, command.at(), migrationId, "DeregisterVm " + command.messageId()
                        + (commit == null ? " for a migration that never committed"
                                : " issued before the COMMITTED record at " + commit.at())));
            }
        }
        for (Sent reply : deregistered) {
            if (commit == null || reply.issuedAt().plus(clockSkew).isBefore(commit.recordedAt())) {
                anomalies.add(Anomaly.at(Rule.DEREGISTER_BEFORE_COMMIT, reply.at(), migrationId, "VmDeregistered " + reply.messageId()
                        + (commit == null ? " for a migration that never committed"
                                : " reported before the COMMITTED record at " + commit.at())));
            }
        }
    }

    void checkInstalls(String migrationId, Duration clockSkew, List<Anomaly> anomalies) {
        for (Install install : installs) {
            Instant delivered = deliveries.get(install.deliveryKey());
            if (delivered == null || delivered.isAfter(install.issuedAt().plus(clockSkew))) {
                anomalies.add(Anomaly.at(Rule.KEY_INSTALL_WITHOUT_DELIVERY, install.at(), migrationId, "KeyInstallReply " + install.messageId()
                        + " says INSTALLED (" + install.deliveryKey() + ") without an earlier center-signed DeliverVmKey"));
            }
        }
    }

    /** Per VM, the committed binding of the highest epoch; two commits of one epoch, or epochs that fall, are anomalies. */
    static Map<String, Commit> rebuildBindings(Map<String, List<Commit>> commitsByVm, List<Anomaly> anomalies) {
        Map<String, Commit> rebuilt = new TreeMap<>();
        for (var entry : commitsByVm.entrySet()) {
            List<Commit> commits = entry.getValue();
            commits.sort(Comparator.comparing(Commit::recordedAt).thenComparing(c -> c.at().toString()));
            Commit last = null;
            Map<Long, Commit> byEpoch = new HashMap<>();
            for (Commit commit : commits) {
                Commit same = byEpoch.putIfAbsent(commit.row().epoch(), commit);
                if (same != null) {
                    anomalies.add(Anomaly.at(Rule.BINDING_CONFLICT, commit.at(), commit.row().migrationId(), "VM " + entry.getKey()
                            + " committed epoch " + commit.row().epoch() + " twice: also at " + same.at()));
                } else if (last != null && commit.row().epoch() < last.row().epoch()) {
                    anomalies.add(Anomaly.at(Rule.EPOCH_REGRESSION, commit.at(), commit.row().migrationId(), "VM " + entry.getKey()
                            + " committed epoch " + commit.row().epoch() + " after epoch " + last.row().epoch()
                            + " at " + last.at()));
                }
                if (last == null || commit.row().epoch() > last.row().epoch()) {
                    last = commit;
                }
            }
            rebuilt.put(entry.getKey(), last);
        }
        return rebuilt;
    }
}
