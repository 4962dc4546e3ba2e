package io.vmigrate.schema.envelope;

import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.command.ForwardedVmAttestation;
import io.vmigrate.schema.command.MigrateOut;
import io.vmigrate.schema.common.Direction;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.reply.AbortAcknowledged;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.reply.VmDeregistered;
import io.vmigrate.schema.serde.SingleObjectCodec;
import java.util.EnumMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** Which record each {@link MessageType} carries, and in which direction it may travel. */
public final class MessageBodies {

    private static final Map<MessageType, SingleObjectCodec<? extends SpecificRecord>> CODECS = new EnumMap<>(MessageType.class);

    static {
        CODECS.put(MessageType.MIGRATE_OUT, SingleObjectCodec.of(MigrateOut.class));
        CODECS.put(MessageType.CREATE_TARGET_VM, SingleObjectCodec.of(CreateTargetVm.class));
        CODECS.put(MessageType.DELIVER_VM_KEY, SingleObjectCodec.of(DeliverVmKey.class));
        CODECS.put(MessageType.FORWARDED_VM_ATTESTATION, SingleObjectCodec.of(ForwardedVmAttestation.class));
        CODECS.put(MessageType.DEREGISTER_VM, SingleObjectCodec.of(DeregisterVm.class));
        CODECS.put(MessageType.ABORT_MIGRATION, SingleObjectCodec.of(AbortMigration.class));
        CODECS.put(MessageType.TARGET_VM_CREATED, SingleObjectCodec.of(TargetVmCreated.class));
        CODECS.put(MessageType.KEY_INSTALL_REPLY, SingleObjectCodec.of(KeyInstallReply.class));
        CODECS.put(MessageType.VM_ATTESTATION, SingleObjectCodec.of(VmAttestation.class));
        CODECS.put(MessageType.MIGRATION_COMPLETED, SingleObjectCodec.of(MigrationCompleted.class));
        CODECS.put(MessageType.VM_DEREGISTERED, SingleObjectCodec.of(VmDeregistered.class));
        CODECS.put(MessageType.ABORT_ACKNOWLEDGED, SingleObjectCodec.of(AbortAcknowledged.class));
        CODECS.put(MessageType.COMMAND_REFUSED, SingleObjectCodec.of(CommandRefused.class));
        if (CODECS.size() != MessageType.values().length) {
            throw new ExceptionInInitializerError("a MessageType has no body class");
        }
    }

    private MessageBodies() {}

    /** Commands flow from the center to a host; everything else is a host's reply. */
    public static Direction directionOf(MessageType type) {
        switch (type) {
            case MIGRATE_OUT:
            case CREATE_TARGET_VM:
            case DELIVER_VM_KEY:
            case FORWARDED_VM_ATTESTATION:
            case DEREGISTER_VM:
            case ABORT_MIGRATION:
                return Direction.CENTER_TO_HOST;
            default:
                return Direction.HOST_TO_CENTER;
        }
    }

    public static Class<? extends SpecificRecord> bodyClassOf(MessageType type) {
        return CODECS.get(type).type();
    }

    public static MessageType messageTypeOf(SpecificRecord body) {
        for (var entry : CODECS.entrySet()) {
            if (entry.getValue().type().isInstance(body)) {
                return entry.getKey();
            }
        }
        throw new IllegalArgumentException(body.getClass().getName() + " is not an envelope body");
    }

    @SuppressWarnings("unchecked")
    static byte[] encode(MessageType type, SpecificRecord body) {
        return ((SingleObjectCodec<SpecificRecord>) CODECS.get(type)).encode(body);
    }

    static SpecificRecord decode(MessageType type, byte[] body) {
        return CODECS.get(type).decode(body);
    }
}
