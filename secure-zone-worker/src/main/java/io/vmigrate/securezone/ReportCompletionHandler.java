package io.vmigrate.securezone;

import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.securezone.ReportCompletion;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.securezone.ZoneState.Fact;
import io.vmigrate.securezone.ZoneState.KeyInstalled;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * REPORT_COMPLETION: the destination signs MIGRATION_COMPLETED once the migration installed a VM key
 * that is still held and the received VM's attestation was checked (once per migration).
 */
final class ReportCompletionHandler implements OperationHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ReportCompletionHandler.class);

    private final String hostId;
    private final Clock clock;
    private final ZoneStore store;
    private final ReplySigner replies;

    ReportCompletionHandler(String hostId, Clock clock, ZoneStore store, ReplySigner replies) {
        this.hostId = hostId;
        this.clock = clock;
        this.store = store;
        this.replies = replies;
    }

    @Override
    public SecureZoneResponse handle(RelayedRequest request, SpecificRecord operation) throws ZoneRefusal, IOException {
        ReportCompletion report = (ReportCompletion) operation;
        String migrationId = report.getMigrationId();
        String vmId = report.getVmId();
        ZoneState state = store.current();
        KeyInstalled installed = state.keyInstalled(migrationId).orElse(null);
        if (installed == null || !installed.vmId().equals(vmId)) {
            throw new ZoneRefusal(RefusalReason.BINDING_MISMATCH, "no VM key installed for VM " + vmId + " in migration " + migrationId);
        }
        Optional<InstalledVmKey> held = state.installedKey(vmId);
        if (held.isEmpty() || !held.get().keyFingerprint().equals(installed.keyFingerprint())) {
            throw new ZoneRefusal(RefusalReason.BINDING_MISMATCH, "the VM key installed in migration " + migrationId
                    + " is no longer held");
        }
        if (!state.has(Fact.ATTESTATION_CHECKED, new MigrationVm(migrationId, vmId))) {
            throw new ZoneRefusal(RefusalReason.ATTESTATION_MISMATCH, "no checked attestation of VM " + vmId
                    + " in migration " + migrationId);
        }
        MigrationCompleted completed = MigrationCompleted.newBuilder()
                .setMigrationId(migrationId).setVmId(vmId).setHostId(hostId)
                .setKeyFingerprint(installed.keyFingerprint()).setEpoch(installed.epoch())
                .setCompletedAt(clock.instant()).build();
        byte[] reply = replies.signedOnce(MessageType.MIGRATION_COMPLETED, migrationId, vmId, installed.epoch(), completed);
        LOG.info("host {}: reported completion of migration {} (vm {}, epoch {})", hostId, migrationId, vmId, installed.epoch());
        return ZoneResponses.signed(request.sequence(), reply);
    }
}
