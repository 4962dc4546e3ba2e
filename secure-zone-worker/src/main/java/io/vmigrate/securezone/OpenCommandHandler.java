package io.vmigrate.securezone;

import io.vmigrate.schema.securezone.SecureZoneOperationType;
import io.vmigrate.schema.envelope.MessageCatalogue;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.securezone.OpenCommand;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.securezone.CommandGate.RefusalReply;
import io.vmigrate.securezone.ZoneState.Fact;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import java.io.IOException;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * OPEN_COMMAND: verifies a MIGRATE_OUT (which must act on the epoch of the VM key held here) or a
 * CREATE_TARGET_VM before the agent acts on it, and remembers it was verified; accepts a
 * ROTATE_CENTER_KEY announcement ({@link CenterKeyRotationAcceptor}).
 */
final class OpenCommandHandler implements OperationHandler {

    private static final Set<MessageType> ACCEPTED =
            MessageCatalogue.commandsVerifiedBy(SecureZoneOperationType.OPEN_COMMAND);

    private final CommandGate gate;
    private final CenterKeyRotationAcceptor rotations;

    OpenCommandHandler(CommandGate gate, CenterKeyRotationAcceptor rotations) {
        this.gate = gate;
        this.rotations = rotations;
    }

    @Override
    public SecureZoneResponse handle(RelayedRequest request, SpecificRecord operation) throws IOException {
        return gate.carryOut(request.sequence(), ((OpenCommand) operation).getEnvelope(), ACCEPTED,
                RefusalReply.COMMAND_REFUSED, this::verify);
    }

    private byte[] verify(OpenedEnvelope opened, Transition tx) throws ZoneRefusal {
        SignedEnvelope envelope = opened.envelope();
        if (envelope.getMessageType() == MessageType.ROTATE_CENTER_KEY) {
            return rotations.accept(opened, tx);
        }
        MigrationVm pair = new MigrationVm(envelope.getMigrationId(), envelope.getVmId());
        if (envelope.getMessageType() == MessageType.MIGRATE_OUT) {
            InstalledVmKey held = tx.installedKey(envelope.getVmId()).orElseThrow(() -> new ZoneRefusal(
                    RefusalReason.BINDING_MISMATCH, "this zone holds no key for VM " + envelope.getVmId()));
            if (held.epoch() != envelope.getBindingEpoch()) {
                throw new ZoneRefusal(RefusalReason.STALE_EPOCH, "MIGRATE_OUT acts on epoch " + envelope.getBindingEpoch()
                        + ", this zone holds epoch " + held.epoch() + " of VM " + envelope.getVmId());
            }
            tx.addFact(Fact.MIGRATE_OUT_VERIFIED, pair, envelope.getExpiresAt().toEpochMilli());
        } else {
            tx.addFact(Fact.CREATE_TARGET_VERIFIED, pair, envelope.getExpiresAt().toEpochMilli());
        }
        return null;
    }
}
