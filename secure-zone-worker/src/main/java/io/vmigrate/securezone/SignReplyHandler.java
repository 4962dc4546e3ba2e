package io.vmigrate.securezone;

import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.securezone.SignReply;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.securezone.ZoneState.Fact;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import java.io.IOException;
import org.apache.avro.specific.SpecificRecord;

/**
 * SIGN_REPLY: signs a body the agent wrote, of three kinds only: TARGET_VM_CREATED for a verified
 * CREATE_TARGET_VM (once per migration), COMMAND_REFUSED, and VM_REGISTRATION_REQUESTED (under the
 * registration's migration id {@code register:<vmId>}); each must name this host.
 */
final class SignReplyHandler implements OperationHandler {

    private static final SingleObjectCodec<TargetVmCreated> TARGETS_CREATED = SingleObjectCodec.of(TargetVmCreated.class);
    private static final SingleObjectCodec<CommandRefused> REFUSALS = SingleObjectCodec.of(CommandRefused.class);
    private static final SingleObjectCodec<VmRegistrationRequested> REGISTRATIONS =
            SingleObjectCodec.of(VmRegistrationRequested.class);

    private final String hostId;
    private final ZoneStore store;
    private final ReplySigner replies;

    SignReplyHandler(String hostId, ZoneStore store, ReplySigner replies) {
        this.hostId = hostId;
        this.store = store;
        this.replies = replies;
    }

    @Override
    public SecureZoneResponse handle(RelayedRequest request, SpecificRecord operation) throws ZoneRefusal, IOException {
        SignReply signRequest = (SignReply) operation;
        byte[] body = ByteBuffers.toArray(signRequest.getBody());
        switch (signRequest.getMessageType()) {
            case TARGET_VM_CREATED:
                return ZoneResponses.signed(request.sequence(), targetCreated(decode(TARGETS_CREATED, body),
                        signRequest.getBindingEpoch()));
            case COMMAND_REFUSED: {
                CommandRefused refused = decode(REFUSALS, body);
                requireThisHost(refused.getHostId());
                return ZoneResponses.signed(request.sequence(),
                        replies.seal(refused.getMigrationId(), refused.getVmId(), signRequest.getBindingEpoch(), refused));
            }
            case VM_REGISTRATION_REQUESTED: {
                // The zone cannot see the hypervisor: it vouches only that this host asks, so a host's
                // registration can never name another host, and the center learns which zone asked.
                VmRegistrationRequested registration = decode(REGISTRATIONS, body);
                requireThisHost(registration.getHostId());
                return ZoneResponses.signed(request.sequence(), replies.seal(
                        KeyContexts.registrationMigrationId(registration.getVmId()), registration.getVmId(),
                        signRequest.getBindingEpoch(), registration));
            }
            default:
                throw new ZoneRefusal(RefusalReason.MALFORMED, "the secure zone signs only TARGET_VM_CREATED,"
                        + " COMMAND_REFUSED and VM_REGISTRATION_REQUESTED on request, not " + signRequest.getMessageType());
        }
    }

    private byte[] targetCreated(TargetVmCreated created, long bindingEpoch) throws ZoneRefusal, IOException {
        requireThisHost(created.getHostId());
        if (!store.current().has(Fact.CREATE_TARGET_VERIFIED,
                new MigrationVm(created.getMigrationId(), created.getVmId()))) {
            throw new ZoneRefusal(RefusalReason.BINDING_MISMATCH, "no verified CREATE_TARGET_VM of VM "
                    + created.getVmId() + " in migration " + created.getMigrationId());
        }
        return replies.signedOnce(MessageType.TARGET_VM_CREATED, created.getMigrationId(), created.getVmId(), bindingEpoch,
                created);
    }

    private static <T extends SpecificRecord> T decode(SingleObjectCodec<T> codec, byte[] body) throws ZoneRefusal {
        try {
            return codec.decode(body);
        } catch (SingleObjectCodec.CodecException e) {
            throw new ZoneRefusal(RefusalReason.MALFORMED, "reply body is not a " + codec.type().getSimpleName() + ": "
                    + e.getMessage());
        }
    }

    private void requireThisHost(String named) throws ZoneRefusal {
        if (!hostId.equals(named)) {
            throw new ZoneRefusal(RefusalReason.WRONG_HOST, "reply names host " + named + ", this is " + hostId);
        }
    }
}
