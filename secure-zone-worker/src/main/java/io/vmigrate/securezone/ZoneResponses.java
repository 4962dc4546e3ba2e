package io.vmigrate.securezone;

import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.MigrateOut;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.securezone.VerifiedCommand;
import java.nio.ByteBuffer;

/** Builders of the zone's answers to one request. */
final class ZoneResponses {

    private ZoneResponses() {}

    static SecureZoneResponse.Builder ok(long sequence) {
        return response(sequence, SecureZoneOutcome.OK);
    }

    static SecureZoneResponse.Builder duplicate(long sequence) {
        return response(sequence, SecureZoneOutcome.DUPLICATE);
    }

    static SecureZoneResponse.Builder refused(long sequence, RefusalReason reason, String detail) {
        return response(sequence, SecureZoneOutcome.REFUSED).setReason(reason).setDetail(detail);
    }

    /** OK carrying a reply the zone signed. */
    static SecureZoneResponse signed(long sequence, byte[] signedReply) {
        return ok(sequence).setSignedReply(ByteBuffer.wrap(signedReply)).build();
    }

    /**
     * What the zone verified of a command, for the agent to act on: the envelope's ids and what the
     * verified body asks of the agent, so the agent never decodes a command body itself.
     */
    static VerifiedCommand verified(OpenedEnvelope opened) {
        SignedEnvelope envelope = opened.envelope();
        VerifiedCommand.Builder verified = VerifiedCommand.newBuilder()
                .setMessageId(envelope.getMessageId()).setMessageType(envelope.getMessageType())
                .setMigrationId(envelope.getMigrationId()).setVmId(envelope.getVmId())
                .setBindingEpoch(envelope.getBindingEpoch());
        if (opened.body() instanceof MigrateOut migrateOut) {
            verified.setDestinationHostId(migrateOut.getDestinationHostId());
        } else if (opened.body() instanceof AbortMigration abort) {
            // Only a destination holds a target of the migration (created, or already resumed) to destroy.
            verified.setAbortRole(abort.getRole()).setDestroyTarget(abort.getRole() == HostRole.DESTINATION);
        }
        return verified.build();
    }

    private static SecureZoneResponse.Builder response(long sequence, SecureZoneOutcome outcome) {
        return SecureZoneResponse.newBuilder().setSequence(sequence).setOutcome(outcome);
    }
}
