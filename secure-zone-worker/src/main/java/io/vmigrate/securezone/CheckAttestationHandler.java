package io.vmigrate.securezone;

import io.vmigrate.schema.securezone.SecureZoneOperationType;
import io.vmigrate.schema.envelope.MessageCatalogue;
import io.vmigrate.schema.command.ForwardedVmAttestation;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.securezone.CheckAttestation;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.securezone.CommandGate.RefusalReply;
import io.vmigrate.securezone.ZoneState.Fact;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * CHECK_ATTESTATION: compares the digests the source attested (forwarded by the center) with what
 * the destination really received, and remembers a match.
 */
final class CheckAttestationHandler implements OperationHandler {

    private static final Set<MessageType> ACCEPTED =
            MessageCatalogue.commandsVerifiedBy(SecureZoneOperationType.CHECK_ATTESTATION);

    private final CommandGate gate;

    CheckAttestationHandler(CommandGate gate) {
        this.gate = gate;
    }

    @Override
    public SecureZoneResponse handle(RelayedRequest request, SpecificRecord operation) throws IOException {
        CheckAttestation check = (CheckAttestation) operation;
        return gate.carryOut(request.sequence(), check.getEnvelope(), ACCEPTED, RefusalReply.COMMAND_REFUSED,
                (opened, tx) -> check(opened, tx, check));
    }

    private static byte[] check(OpenedEnvelope opened, Transition tx, CheckAttestation check) throws ZoneRefusal {
        ForwardedVmAttestation attestation = opened.body(ForwardedVmAttestation.class);
        boolean descriptionMatches = MessageDigest.isEqual(ByteBuffers.toArray(attestation.getDescriptionDigest()),
                ByteBuffers.toArray(check.getReceivedDescriptionDigest()));
        boolean imageMatches = MessageDigest.isEqual(ByteBuffers.toArray(attestation.getImageManifestDigest()),
                ByteBuffers.toArray(check.getReceivedImageManifestDigest()));
        if (!descriptionMatches || !imageMatches) {
            throw new ZoneRefusal(RefusalReason.ATTESTATION_MISMATCH, "source attested other digests than received ("
                    + (descriptionMatches ? "" : "description ") + (imageMatches ? "" : "image manifest") + ")");
        }
        tx.addFact(Fact.ATTESTATION_CHECKED, new MigrationVm(attestation.getMigrationId(), attestation.getVmId()),
                opened.envelope().getExpiresAt().toEpochMilli());
        return null;
    }
}
