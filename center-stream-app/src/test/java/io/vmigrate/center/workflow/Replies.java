package io.vmigrate.center.workflow;

import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.MessageCatalogue;
import io.vmigrate.schema.reply.AbortAcknowledged;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.reply.VmDeregistered;
import java.time.Instant;

/** Reply bodies as the hosts' secure zones send them. */
final class Replies {

    private static final Instant AT = FakeCenter.START;

    private Replies() {}

    static TargetVmCreated targetCreated(String migrationId, String vmId, String hostId) {
        return TargetVmCreated.newBuilder().setMigrationId(migrationId).setVmId(vmId).setHostId(hostId).setCreatedAt(AT)
                .build();
    }

    static KeyInstallReply keyInstalled(String migrationId, String vmId, String hostId, String fingerprint, long epoch) {
        return KeyInstallReply.newBuilder().setMigrationId(migrationId).setVmId(vmId).setHostId(hostId)
                .setOutcome(KeyInstallOutcome.INSTALLED).setKeyFingerprint(fingerprint).setEpoch(epoch).build();
    }

    static KeyInstallReply keyFailed(String migrationId, String vmId, String hostId, long epoch) {
        return KeyInstallReply.newBuilder().setMigrationId(migrationId).setVmId(vmId).setHostId(hostId)
                .setOutcome(KeyInstallOutcome.FAILED).setReason(RefusalReason.UNWRAP_FAILED).setDetail("bad wrap")
                .setKeyFingerprint("").setEpoch(epoch).build();
    }

    static VmAttestation attestation(String migrationId, String vmId, String hostId) {
        return VmAttestation.newBuilder().setMigrationId(migrationId).setVmId(vmId).setHostId(hostId)
                .setDescriptionDigest(FakeCenter.bytes("description")).setImageManifestDigest(FakeCenter.bytes("manifest"))
                .setAttestedAt(AT).build();
    }

    static MigrationCompleted completed(String migrationId, String vmId, String hostId, String fingerprint, long epoch) {
        return MigrationCompleted.newBuilder().setMigrationId(migrationId).setVmId(vmId).setHostId(hostId)
                .setKeyFingerprint(fingerprint).setEpoch(epoch).setCompletedAt(AT).build();
    }

    static VmDeregistered deregistered(String migrationId, String vmId, String hostId, long epoch) {
        return VmDeregistered.newBuilder().setMigrationId(migrationId).setVmId(vmId).setHostId(hostId).setEpoch(epoch)
                .setDestroyedKeyFingerprint("old").setDeregisteredAt(AT).build();
    }

    /** The secure zone's refusal of {@code command}, a command the center really sent. */
    static CommandRefused refused(Effect.SendCommand command, RefusalReason reason) {
        return CommandRefused.newBuilder().setCommandMessageId(command.messageId())
                .setCommandType(MessageCatalogue.messageTypeOf(command.body())).setMigrationId(command.migrationId())
                .setVmId(command.vmId()).setHostId(command.hostId()).setReason(reason).setDetail("no").build();
    }

    /** A refusal of a command the center never sent (what a forged envelope's refusal would look like). */
    static CommandRefused refusedUnsent(String migrationId, String vmId, String hostId, RefusalReason reason) {
        return CommandRefused.newBuilder().setCommandMessageId("never-sent").setCommandType(MessageType.MIGRATE_OUT)
                .setMigrationId(migrationId).setVmId(vmId).setHostId(hostId).setReason(reason).setDetail("no").build();
    }

    static AbortAcknowledged abortAcknowledged(String migrationId, String vmId, String hostId, HostRole role) {
        return AbortAcknowledged.newBuilder().setMigrationId(migrationId).setVmId(vmId).setHostId(hostId).setRole(role)
                .setTargetVmDestroyed(role == HostRole.DESTINATION).setVmKeyZeroized(role == HostRole.DESTINATION).build();
    }
}
