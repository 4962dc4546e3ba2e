package io.vmigrate.securezone;

import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.common.Binding;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.securezone.ZoneState.ReplayEntry;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;

/** Signs the zone's replies with its signing key, as single-object-encoded reply envelopes. */
final class ReplySigner {

    private static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);
    private static final SingleObjectCodec<DeliverVmKey> DELIVERIES = SingleObjectCodec.of(DeliverVmKey.class);

    private final String hostId;
    private final Clock clock;
    private final EnvelopeSealer sealer;
    private final ZoneStore store;

    ReplySigner(String hostId, Clock clock, EnvelopeSealer sealer, ZoneStore store) {
        this.hostId = hostId;
        this.clock = clock;
        this.sealer = sealer;
        this.store = store;
    }

    byte[] seal(String migrationId, String vmId, long epoch, SpecificRecord body) {
        return ENVELOPES.encode(sealer.seal(Addressing.of(migrationId, vmId, hostId, epoch), body));
    }

    /**
     * A reply the zone signs on request rather than in answer to one command (target created, VM attested,
     * migration completed): signed once per migration and VM, stored with the replay cache and served
     * again while valid, so an agent that asks twice (say, after a crash) never publishes two different
     * replies for one fact.
     */
    byte[] signedOnce(MessageType type, String migrationId, String vmId, long epoch, SpecificRecord body) throws IOException {
        String fact = "reply/" + type + "/" + migrationId + "/" + vmId;
        Optional<ReplayEntry> stored = store.current().replayEntry(fact);
        if (stored.isPresent() && stored.get().expiresAtMillis() > clock.millis()) {
            return stored.get().signedReply();
        }
        SignedEnvelope envelope = sealer.seal(Addressing.of(migrationId, vmId, hostId, epoch), body);
        byte[] reply = ENVELOPES.encode(envelope);
        Transition tx = store.begin();
        tx.remember(new ReplayEntry(fact, envelope.getExpiresAt().toEpochMilli(), reply));
        store.commit(tx);
        return reply;
    }

    /** COMMAND_REFUSED for a verified command the zone will not carry out. */
    byte[] commandRefused(SignedEnvelope command, ZoneRefusal refusal) {
        CommandRefused body = CommandRefused.newBuilder()
                .setCommandMessageId(command.getMessageId())
                .setCommandType(command.getMessageType()).setMigrationId(command.getMigrationId())
                .setVmId(command.getVmId()).setHostId(hostId)
                .setReason(refusal.reason()).setDetail(refusal.detail()).build();
        return seal(command.getMigrationId(), command.getVmId(), command.getBindingEpoch(), body);
    }

    /** A verified key delivery the zone refuses is answered with KeyInstallReply FAILED, so the center can abort at once. */
    byte[] keyInstallFailed(SignedEnvelope command, ZoneRefusal refusal) {
        String fingerprint = "";
        long epoch = command.getBindingEpoch();
        if (command.getMessageType() == MessageType.DELIVER_VM_KEY) {
            try {
                Binding binding = DELIVERIES.decode(ByteBuffers.toArray(command.getBody())).getBinding();
                fingerprint = binding.getKeyFingerprint();
                epoch = binding.getEpoch();
            } catch (SingleObjectCodec.CodecException e) {
                // Cannot happen for an opened envelope (its body decoded); the reply then names no fingerprint.
            }
        }
        KeyInstallReply body = KeyInstallReply.newBuilder()
                .setMigrationId(command.getMigrationId()).setVmId(command.getVmId()).setHostId(hostId)
                .setOutcome(KeyInstallOutcome.FAILED).setReason(refusal.reason()).setDetail(refusal.detail())
                .setKeyFingerprint(fingerprint).setEpoch(epoch).build();
        return seal(command.getMigrationId(), command.getVmId(), command.getBindingEpoch(), body);
    }
}
