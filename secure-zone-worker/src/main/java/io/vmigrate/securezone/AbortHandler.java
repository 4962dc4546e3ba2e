package io.vmigrate.securezone;

import io.vmigrate.schema.securezone.SecureZoneOperationType;
import io.vmigrate.schema.envelope.MessageCatalogue;
import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.reply.AbortAcknowledged;
import io.vmigrate.schema.securezone.Abort;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.securezone.CommandGate.RefusalReply;
import io.vmigrate.securezone.ZoneState.Fact;
import io.vmigrate.securezone.ZoneState.KeyInstalled;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * ABORT, in two requests so that the hypervisor acts between them: asked with {@code verifyOnly}, the
 * zone admits the command and says what its verified body asks (the role, whether a target is to be
 * destroyed) without changing anything; asked again once the agent destroyed the target, it forgets
 * the migration's facts, destroys the VM key the migration installed here (if it is still the one
 * held for the VM) and signs the acknowledgement. Idempotent: an abort of a migration already aborted
 * (a retry with a fresh envelope) finds nothing left and is acknowledged the same way; for a
 * destination {@code vmKeyZeroized} means no VM key of that migration is held here any more.
 */
final class AbortHandler implements OperationHandler {

    private static final Set<MessageType> ACCEPTED =
            MessageCatalogue.commandsVerifiedBy(SecureZoneOperationType.ABORT);

    private final String hostId;
    private final CommandGate gate;
    private final ReplySigner replies;

    AbortHandler(String hostId, CommandGate gate, ReplySigner replies) {
        this.hostId = hostId;
        this.gate = gate;
        this.replies = replies;
    }

    @Override
    public SecureZoneResponse handle(RelayedRequest request, SpecificRecord operation) throws IOException {
        Abort abort = (Abort) operation;
        if (abort.getVerifyOnly()) {
            return gate.verify(request.sequence(), abort.getEnvelope(), ACCEPTED);
        }
        return gate.carryOut(request.sequence(), abort.getEnvelope(), ACCEPTED, RefusalReply.COMMAND_REFUSED,
                (opened, tx) -> abort(opened, tx, abort.getTargetVmDestroyed()));
    }

    private byte[] abort(OpenedEnvelope opened, Transition tx, boolean targetVmDestroyed) {
        SignedEnvelope envelope = opened.envelope();
        AbortMigration abort = opened.body(AbortMigration.class);
        String migrationId = envelope.getMigrationId();
        String vmId = envelope.getVmId();
        Optional<KeyInstalled> installed = tx.keyInstalled(migrationId);
        if (installed.isPresent()) {
            tx.removeKeyInstalled(migrationId);
        }
        if (installed.isPresent() && installed.get().vmId().equals(vmId)) {
            Optional<InstalledVmKey> held = tx.installedKey(vmId);
            if (held.isPresent() && held.get().keyFingerprint().equals(installed.get().keyFingerprint())
                    && held.get().migrationId().equals(migrationId)) {
                tx.destroyKey(vmId);
            }
        }
        MigrationVm pair = new MigrationVm(migrationId, vmId);
        for (Fact fact : Fact.values()) {
            if (tx.has(fact, pair)) {
                tx.removeFact(fact, pair);
            }
        }
        AbortAcknowledged reply = AbortAcknowledged.newBuilder()
                .setMigrationId(migrationId).setVmId(vmId).setHostId(hostId).setRole(abort.getRole())
                .setTargetVmDestroyed(targetVmDestroyed).setVmKeyZeroized(abort.getRole() == HostRole.DESTINATION).build();
        return replies.seal(migrationId, vmId, envelope.getBindingEpoch(), reply);
    }
}
