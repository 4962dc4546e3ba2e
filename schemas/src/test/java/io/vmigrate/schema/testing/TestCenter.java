package io.vmigrate.schema.testing;

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
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.SecretBytes;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Suite;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;

/**
 * The center's side of the protocol for the unit tests of the other parties (secure zone, host
 * agent): a center key that signs commands exactly as the center does, and a stand-in vault that mints
 * and wraps VM keys. Open for a party's tests to add how it receives commands.
 */
public class TestCenter {

    private static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);
    private static final String ELSEWHERE = "elsewhere";

    private final CryptoSuite crypto;
    private final PrivateKeyHandle key;
    private final EnvelopeSealer sealer;
    /** Fingerprint of the VM key last delivered, by VM id and epoch ("vm@epoch"). */
    private final Map<String, String> fingerprints = new HashMap<>();

    public TestCenter(Suite suite) {
        this(CryptoSuites.get(suite));
    }

    public TestCenter(CryptoSuite crypto) {
        this(crypto, crypto.generateSigningKey());
    }

    public TestCenter(CryptoSuite crypto, PrivateKeyHandle key) {
        this.crypto = crypto;
        this.key = key;
        this.sealer = new EnvelopeSealer(crypto.signer(key), Clock.systemUTC(), Duration.ofMinutes(10));
    }

    public CryptoSuite crypto() {
        return crypto;
    }

    public PrivateKeyHandle key() {
        return key;
    }

    public PublicKeyHandle publicKey() {
        return key.publicKey();
    }

    public PublicKeyRecord publicKeyRecord() {
        return PublicKeyRecords.toRecord(key.publicKey());
    }

    /** The fingerprint of the VM key this center last delivered for {@code vmId} at {@code epoch}. */
    public String fingerprint(String vmId, long epoch) {
        return fingerprints.get(vmId + "@" + epoch);
    }

    public static byte[] encode(SignedEnvelope envelope) {
        return ENVELOPES.encode(envelope);
    }

    public SignedEnvelope seal(String migrationId, String vmId, String hostId, long epoch, SpecificRecord body) {
        return sealer.seal(Addressing.of(migrationId, vmId, hostId, epoch), body);
    }

    public SignedEnvelope sealValidBetween(String migrationId, String vmId, String hostId, long epoch, SpecificRecord body,
            Instant issuedAt, Instant expiresAt) {
        return sealer.seal(UUID.randomUUID().toString(), Addressing.of(migrationId, vmId, hostId, epoch), body, issuedAt,
                expiresAt);
    }

    public SignedEnvelope createTarget(String migrationId, String vmId, String destination, String source, long epoch) {
        return seal(migrationId, vmId, destination, epoch, CreateTargetVm.newBuilder().setMigrationId(migrationId)
                .setVmId(vmId).setSourceHostId(source).setDeadline(Instant.now().plusSeconds(600)).build());
    }

    public SignedEnvelope createTarget(String migrationId, String vmId, String destination, long epoch) {
        return createTarget(migrationId, vmId, destination, ELSEWHERE, epoch);
    }

    public SignedEnvelope migrateOut(String migrationId, String vmId, String source, String destination, long epoch) {
        return seal(migrationId, vmId, source, epoch, MigrateOut.newBuilder().setMigrationId(migrationId).setVmId(vmId)
                .setDestinationHostId(destination).setDeadline(Instant.now().plusSeconds(600)).build());
    }

    public SignedEnvelope migrateOut(String migrationId, String vmId, String source, long epoch) {
        return migrateOut(migrationId, vmId, source, ELSEWHERE, epoch);
    }

    public static Binding binding(String vmId, String hostId, PrivateKeyHandle vmKey, long epoch, String migrationId) {
        return Binding.newBuilder().setVmId(vmId).setHostId(hostId).setKeyFingerprint(vmKey.keyId().toString())
                .setEpoch(epoch).setMigrationId(migrationId).build();
    }

    /** A VM key delivery wrapped to {@code recipient} under the deliver-vm-key context of (migration, vm, host). */
    public DeliverVmKey delivery(String migrationId, Binding binding, PrivateKeyHandle vmKey, PublicKeyHandle recipient,
            String wrapContextHost) {
        SecretBytes pkcs8 = vmKey.exportPkcs8(SecretKeyAccess.insecureSecretAccess());
        try {
            byte[] wrapped = crypto.keyWrapper(recipient)
                    .wrap(pkcs8, KeyContexts.deliverVmKey(migrationId, binding.getVmId(), wrapContextHost)).toBytes();
            fingerprints.put(binding.getVmId() + "@" + binding.getEpoch(), vmKey.keyId().toString());
            return DeliverVmKey.newBuilder().setMigrationId(migrationId).setBinding(binding)
                    .setVmPublicKey(PublicKeyRecords.toRecord(vmKey.publicKey()))
                    .setWrappedPrivateKey(ByteBuffer.wrap(wrapped)).build();
        } finally {
            pkcs8.destroy();
        }
    }

    public DeliverVmKey delivery(String migrationId, Binding binding, PrivateKeyHandle vmKey, PublicKeyRecord recipient,
            String wrapContextHost) {
        return delivery(migrationId, binding, vmKey, PublicKeyRecords.fromRecord(recipient), wrapContextHost);
    }

    /** A well-formed delivery of {@code vmKey} to {@code hostId}, bound to that host. */
    public SignedEnvelope deliverVmKey(String migrationId, String vmId, String hostId, long epoch, PrivateKeyHandle vmKey,
            PublicKeyRecord recipient) {
        return seal(migrationId, vmId, hostId, epoch,
                delivery(migrationId, binding(vmId, hostId, vmKey, epoch, migrationId), vmKey, recipient, hostId));
    }

    /** A fresh VM key, wrapped to {@code recipient}, addressed to {@code addressedHost}, bound to {@code bindingHost}. */
    public SignedEnvelope deliverFreshVmKey(String migrationId, String vmId, String addressedHost, String bindingHost,
            long epoch, PublicKeyHandle recipient) {
        PrivateKeyHandle vmKey = crypto.generateSigningKey();
        try {
            String bindingMigration = KeyContexts.isRegistration(migrationId) ? null : migrationId;
            return seal(migrationId, vmId, addressedHost, epoch, delivery(migrationId,
                    binding(vmId, bindingHost, vmKey, epoch, bindingMigration), vmKey, recipient, addressedHost));
        } finally {
            vmKey.destroy();
        }
    }

    public SignedEnvelope forward(VmAttestation attestation, String destination, String attestationMessageId, long epoch) {
        return seal(attestation.getMigrationId(), attestation.getVmId(), destination, epoch,
                ForwardedVmAttestation.newBuilder().setMigrationId(attestation.getMigrationId())
                        .setVmId(attestation.getVmId()).setSourceHostId(attestation.getHostId())
                        .setDescriptionDigest(attestation.getDescriptionDigest())
                        .setImageManifestDigest(attestation.getImageManifestDigest())
                        .setSourceAttestationMessageId(attestationMessageId).build());
    }

    public SignedEnvelope forwardedAttestation(String migrationId, String vmId, String destination, long epoch,
            byte[] descriptionDigest, byte[] imageManifestDigest) {
        return seal(migrationId, vmId, destination, epoch, ForwardedVmAttestation.newBuilder()
                .setMigrationId(migrationId).setVmId(vmId).setSourceHostId(ELSEWHERE)
                .setDescriptionDigest(ByteBuffer.wrap(descriptionDigest))
                .setImageManifestDigest(ByteBuffer.wrap(imageManifestDigest))
                .setSourceAttestationMessageId(UUID.randomUUID().toString()).build());
    }

    public SignedEnvelope deregister(String migrationId, String vmId, String source, long newEpoch, String retiredFingerprint) {
        return seal(migrationId, vmId, source, newEpoch, DeregisterVm.newBuilder().setMigrationId(migrationId)
                .setVmId(vmId).setEpoch(newEpoch).setRetiredKeyFingerprint(retiredFingerprint).build());
    }

    public SignedEnvelope abort(String migrationId, String vmId, String hostId, HostRole role, long epoch) {
        return seal(migrationId, vmId, hostId, epoch, AbortMigration.newBuilder().setMigrationId(migrationId).setVmId(vmId)
                .setRole(role).setReason(RefusalReason.DEADLINE_PASSED).setDetail("test").build());
    }
}
