package io.vmigrate.securezone;

import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.securezone.AttestVm;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.securezone.ZoneState.Fact;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import java.io.IOException;
import java.time.Clock;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** ATTEST_VM: the source signs the digests of a VM whose MIGRATE_OUT it verified (once per migration). */
final class AttestVmHandler implements OperationHandler {

    private static final Logger LOG = LoggerFactory.getLogger(AttestVmHandler.class);

    private final String hostId;
    private final Clock clock;
    private final ZoneStore store;
    private final ReplySigner replies;

    AttestVmHandler(String hostId, Clock clock, ZoneStore store, ReplySigner replies) {
        this.hostId = hostId;
        this.clock = clock;
        this.store = store;
        this.replies = replies;
    }

    @Override
    public SecureZoneResponse handle(RelayedRequest request, SpecificRecord operation) throws ZoneRefusal, IOException {
        AttestVm attest = (AttestVm) operation;
        ZoneState state = store.current();
        if (!state.has(Fact.MIGRATE_OUT_VERIFIED, new MigrationVm(attest.getMigrationId(), attest.getVmId()))) {
            throw new ZoneRefusal(RefusalReason.BINDING_MISMATCH, "no verified MIGRATE_OUT of VM " + attest.getVmId()
                    + " in migration " + attest.getMigrationId());
        }
        long epoch = state.installedKey(attest.getVmId()).map(InstalledVmKey::epoch).orElse(0L);
        VmAttestation attestation = VmAttestation.newBuilder()
                .setMigrationId(attest.getMigrationId()).setVmId(attest.getVmId()).setHostId(hostId)
                .setDescriptionDigest(attest.getDescriptionDigest()).setImageManifestDigest(attest.getImageManifestDigest())
                .setAttestedAt(clock.instant()).build();
        byte[] reply = replies.signedOnce(MessageType.VM_ATTESTATION, attest.getMigrationId(), attest.getVmId(), epoch,
                attestation);
        LOG.info("host {}: attested VM {} for migration {}", hostId, attest.getVmId(), attest.getMigrationId());
        return ZoneResponses.signed(request.sequence(), reply);
    }
}
