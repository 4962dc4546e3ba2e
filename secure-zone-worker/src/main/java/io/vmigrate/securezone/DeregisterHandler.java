package io.vmigrate.securezone;

import io.vmigrate.schema.securezone.SecureZoneOperationType;
import io.vmigrate.schema.envelope.MessageCatalogue;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.reply.VmDeregistered;
import io.vmigrate.schema.securezone.Deregister;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.securezone.CommandGate.RefusalReply;
import java.io.IOException;
import java.time.Clock;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * DEREGISTER: the source destroys the VM key a committed migration retired, if it is the key held
 * here and the deregistration is of a newer epoch.
 */
final class DeregisterHandler implements OperationHandler {

    private static final Set<MessageType> ACCEPTED =
            MessageCatalogue.commandsVerifiedBy(SecureZoneOperationType.DEREGISTER);

    private final String hostId;
    private final Clock clock;
    private final CommandGate gate;
    private final ReplySigner replies;

    DeregisterHandler(String hostId, Clock clock, CommandGate gate, ReplySigner replies) {
        this.hostId = hostId;
        this.clock = clock;
        this.gate = gate;
        this.replies = replies;
    }

    @Override
    public SecureZoneResponse handle(RelayedRequest request, SpecificRecord operation) throws IOException {
        return gate.carryOut(request.sequence(), ((Deregister) operation).getEnvelope(), ACCEPTED,
                RefusalReply.COMMAND_REFUSED, this::deregister);
    }

    private byte[] deregister(OpenedEnvelope opened, Transition tx) throws ZoneRefusal {
        SignedEnvelope envelope = opened.envelope();
        DeregisterVm deregister = opened.body(DeregisterVm.class);
        String vmId = envelope.getVmId();
        InstalledVmKey held = tx.installedKey(vmId).orElseThrow(() -> new ZoneRefusal(RefusalReason.BINDING_MISMATCH,
                "this zone holds no key for VM " + vmId));
        if (held.epoch() >= deregister.getEpoch()) {
            throw new ZoneRefusal(RefusalReason.STALE_EPOCH, "deregister epoch " + deregister.getEpoch()
                    + " is not newer than held epoch " + held.epoch() + " of VM " + vmId);
        }
        if (!held.keyFingerprint().equals(deregister.getRetiredKeyFingerprint())) {
            throw new ZoneRefusal(RefusalReason.BINDING_MISMATCH, "deregister retires key " + deregister.getRetiredKeyFingerprint()
                    + ", this zone holds " + held.keyFingerprint() + " for VM " + vmId);
        }
        tx.destroyKey(vmId);
        VmDeregistered reply = VmDeregistered.newBuilder()
                .setMigrationId(envelope.getMigrationId()).setVmId(vmId).setHostId(hostId)
                .setEpoch(deregister.getEpoch()).setDestroyedKeyFingerprint(held.keyFingerprint())
                .setDeregisteredAt(clock.instant()).build();
        return replies.seal(envelope.getMigrationId(), vmId, envelope.getBindingEpoch(), reply);
    }
}
