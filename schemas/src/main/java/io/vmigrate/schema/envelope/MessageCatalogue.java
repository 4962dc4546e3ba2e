package io.vmigrate.schema.envelope;

import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.command.ForwardedVmAttestation;
import io.vmigrate.schema.command.MigrateOut;
import io.vmigrate.schema.common.Direction;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.registry.CenterKeyRotation;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.reply.AbortAcknowledged;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.reply.VmDeregistered;
import io.vmigrate.schema.securezone.SecureZoneOperationType;
import io.vmigrate.schema.serde.SingleObjectCodec;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * Every message type of a signed envelope, once: the record it carries, which way it travels, which
 * party of a migration sends or receives it, and for a command the secure-zone operation that must
 * verify it before the host acts. The switch in {@link #describe} is exhaustive without a default, so a
 * new {@link MessageType} does not compile until it is catalogued here.
 */
public final class MessageCatalogue {

    /** What the parties agree about one message type. */
    public record Entry(MessageType type, Class<? extends SpecificRecord> bodyClass, Direction direction,
            Set<HostRole> hostRoles, Optional<SecureZoneOperationType> zoneOperation) {

        public boolean isCommand() {
            return direction == Direction.CENTER_TO_HOST;
        }
    }

    private static final Set<HostRole> SOURCE = EnumSet.of(HostRole.SOURCE);
    private static final Set<HostRole> DESTINATION = EnumSet.of(HostRole.DESTINATION);
    private static final Set<HostRole> EITHER = EnumSet.allOf(HostRole.class);

    private static final Map<MessageType, Entry> ENTRIES = new EnumMap<>(MessageType.class);
    private static final Map<MessageType, SingleObjectCodec<? extends SpecificRecord>> CODECS = new EnumMap<>(MessageType.class);

    static {
        for (MessageType type : MessageType.values()) {
            Entry entry = describe(type);
            ENTRIES.put(type, entry);
            CODECS.put(type, SingleObjectCodec.of(entry.bodyClass()));
        }
    }

    private MessageCatalogue() {}

    /** Commands name the role they are addressed to; replies the role that may send them. */
    private static Entry describe(MessageType type) {
        return switch (type) {
            case MIGRATE_OUT -> command(type, MigrateOut.class, SOURCE, SecureZoneOperationType.OPEN_COMMAND);
            case CREATE_TARGET_VM -> command(type, CreateTargetVm.class, DESTINATION, SecureZoneOperationType.OPEN_COMMAND);
            case DELIVER_VM_KEY -> command(type, DeliverVmKey.class, DESTINATION, SecureZoneOperationType.INSTALL_VM_KEY);
            case FORWARDED_VM_ATTESTATION -> command(type, ForwardedVmAttestation.class, DESTINATION,
                    SecureZoneOperationType.CHECK_ATTESTATION);
            case DEREGISTER_VM -> command(type, DeregisterVm.class, SOURCE, SecureZoneOperationType.DEREGISTER);
            case ABORT_MIGRATION -> command(type, AbortMigration.class, EITHER, SecureZoneOperationType.ABORT);
            // Not about a migration: the center's announcement of its next signing key, to every approved host.
            case ROTATE_CENTER_KEY -> command(type, CenterKeyRotation.class, EITHER, SecureZoneOperationType.OPEN_COMMAND);
            case TARGET_VM_CREATED -> reply(type, TargetVmCreated.class, DESTINATION);
            case KEY_INSTALL_REPLY -> reply(type, KeyInstallReply.class, DESTINATION);
            case VM_ATTESTATION -> reply(type, VmAttestation.class, SOURCE);
            case MIGRATION_COMPLETED -> reply(type, MigrationCompleted.class, DESTINATION);
            case VM_DEREGISTERED -> reply(type, VmDeregistered.class, SOURCE);
            case ABORT_ACKNOWLEDGED -> reply(type, AbortAcknowledged.class, EITHER);
            case COMMAND_REFUSED -> reply(type, CommandRefused.class, EITHER);
            // Not a reply to a command: a host asks, on vm.registrations, for the epoch-0 key of a VM it runs.
            case VM_REGISTRATION_REQUESTED -> reply(type, VmRegistrationRequested.class, EITHER);
        };
    }

    private static Entry command(MessageType type, Class<? extends SpecificRecord> body, Set<HostRole> to,
            SecureZoneOperationType verifiedBy) {
        return new Entry(type, body, Direction.CENTER_TO_HOST, Set.copyOf(to), Optional.of(verifiedBy));
    }

    private static Entry reply(MessageType type, Class<? extends SpecificRecord> body, Set<HostRole> from) {
        return new Entry(type, body, Direction.HOST_TO_CENTER, Set.copyOf(from), Optional.empty());
    }

    public static Entry entry(MessageType type) {
        return ENTRIES.get(type);
    }

    /** Commands flow from the center to a host; everything else is a host's reply. */
    public static Direction directionOf(MessageType type) {
        return ENTRIES.get(type).direction();
    }

    public static boolean isCommand(MessageType type) {
        return ENTRIES.get(type).isCommand();
    }

    /** For a command, the roles it may be addressed to; for a reply, the roles that may send it. */
    public static Set<HostRole> hostRolesOf(MessageType type) {
        return ENTRIES.get(type).hostRoles();
    }

    /** The command types a secure-zone operation verifies; empty for operations that open no command. */
    public static Set<MessageType> commandsVerifiedBy(SecureZoneOperationType operation) {
        Set<MessageType> types = EnumSet.noneOf(MessageType.class);
        ENTRIES.values().stream().filter(entry -> entry.zoneOperation().equals(Optional.of(operation)))
                .forEach(entry -> types.add(entry.type()));
        return types;
    }

    public static Class<? extends SpecificRecord> bodyClassOf(MessageType type) {
        return ENTRIES.get(type).bodyClass();
    }

    public static MessageType messageTypeOf(SpecificRecord body) {
        for (Entry entry : ENTRIES.values()) {
            if (entry.bodyClass().isInstance(body)) {
                return entry.type();
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
