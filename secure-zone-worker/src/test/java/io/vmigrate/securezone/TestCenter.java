package io.vmigrate.securezone;

import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.command.ForwardedVmAttestation;
import io.vmigrate.schema.command.MigrateOut;
import io.vmigrate.schema.common.Binding;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SecretBytes;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Suite;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;

/** The center's side in tests: a center key that signs commands, and a VM key vault that wraps VM keys. */
final class TestCenter {

    static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);

    final CryptoSuite crypto;
    final PrivateKeyHandle key;
    private final EnvelopeSealer sealer;

    TestCenter(Suite suite) {
        this.crypto = CryptoSuites.get(suite);
        this.key = crypto.generateSigningKey();
        this.sealer = new EnvelopeSealer(crypto.signer(key), Clock.systemUTC(), Duration.ofMinutes(5));
    }

    PublicKeyRecord publicKey() {
        return PublicKeyRecords.toRecord(key.publicKey());
    }

    byte[] command(String migrationId, String vmId, String hostId, long epoch, SpecificRecord body) {
        return ENVELOPES.encode(sealer.seal(Addressing.of(migrationId, vmId, hostId, epoch), body));
    }

    byte[] commandValidBetween(String migrationId, String vmId, String hostId, long epoch, SpecificRecord body,
            Instant issuedAt, Instant expiresAt) {
        return ENVELOPES.encode(sealer.seal(UUID.randomUUID().toString(), Addressing.of(migrationId, vmId, hostId, epoch),
                body, issuedAt, expiresAt));
    }

    byte[] migrateOut(String migrationId, String vmId, String sourceHost, long epoch) {
        return command(migrationId, vmId, sourceHost, epoch, MigrateOut.newBuilder().setMigrationId(migrationId)
                .setVmId(vmId).setDestinationHostId("elsewhere").setDeadline(Instant.now().plusSeconds(60)).build());
    }

    byte[] createTargetVm(String migrationId, String vmId, String destinationHost, long epoch) {
        return command(migrationId, vmId, destinationHost, epoch, CreateTargetVm.newBuilder().setMigrationId(migrationId)
                .setVmId(vmId).setSourceHostId("elsewhere").setDeadline(Instant.now().plusSeconds(60)).build());
    }

    /** A VM key delivery wrapped to {@code recipient} under the deliver-vm-key context of (migration, vm, host). */
    DeliverVmKey delivery(String migrationId, Binding binding, PrivateKeyHandle vmKey, PublicKeyRecord recipient,
            String wrapContextHost) {
        SecretBytes pkcs8 = vmKey.exportPkcs8(SecretKeyAccess.insecureSecretAccess());
        try {
            byte[] wrapped = crypto.keyWrapper(PublicKeyRecords.fromRecord(recipient))
                    .wrap(pkcs8, KeyContexts.deliverVmKey(migrationId, binding.getVmId(), wrapContextHost)).toBytes();
            return DeliverVmKey.newBuilder().setMigrationId(migrationId).setBinding(binding)
                    .setVmPublicKey(PublicKeyRecords.toRecord(vmKey.publicKey()))
                    .setWrappedPrivateKey(ByteBuffer.wrap(wrapped)).build();
        } finally {
            pkcs8.destroy();
        }
    }

    static Binding binding(String vmId, String hostId, PrivateKeyHandle vmKey, long epoch, String migrationId) {
        return Binding.newBuilder().setVmId(vmId).setHostId(hostId).setKeyFingerprint(vmKey.keyId().toString())
                .setEpoch(epoch).setMigrationId(migrationId).build();
    }

    /** A well-formed key delivery command for {@code hostId}. */
    byte[] deliverVmKey(String migrationId, String vmId, String hostId, long epoch, PrivateKeyHandle vmKey,
            PublicKeyRecord recipient) {
        DeliverVmKey delivery = delivery(migrationId, binding(vmId, hostId, vmKey, epoch, migrationId), vmKey, recipient, hostId);
        return command(migrationId, vmId, hostId, epoch, delivery);
    }

    byte[] forwardedAttestation(String migrationId, String vmId, String destinationHost, long epoch, byte[] description,
            byte[] image) {
        return command(migrationId, vmId, destinationHost, epoch, ForwardedVmAttestation.newBuilder()
                .setMigrationId(migrationId).setVmId(vmId).setSourceHostId("elsewhere")
                .setDescriptionDigest(ByteBuffer.wrap(description)).setImageManifestDigest(ByteBuffer.wrap(image))
                .setSourceAttestationMessageId(UUID.randomUUID().toString()).build());
    }

    byte[] deregisterVm(String migrationId, String vmId, String sourceHost, long epoch, String retiredFingerprint) {
        return command(migrationId, vmId, sourceHost, epoch, DeregisterVm.newBuilder().setMigrationId(migrationId)
                .setVmId(vmId).setEpoch(epoch).setRetiredKeyFingerprint(retiredFingerprint).build());
    }

    byte[] abortMigration(String migrationId, String vmId, String hostId, long epoch, HostRole role) {
        return command(migrationId, vmId, hostId, epoch, AbortMigration.newBuilder().setMigrationId(migrationId)
                .setVmId(vmId).setRole(role).setReason(RefusalReason.DEADLINE_PASSED).setDetail("test").build());
    }
}
