package io.vmigrate.host.testing;

import io.vmigrate.host.CommandRecord;
import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.command.ForwardedVmAttestation;
import io.vmigrate.schema.command.MigrateOut;
import io.vmigrate.schema.common.Binding;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.SecretBytes;
import io.vmigrate.trust.SecretKeyAccess;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** Plays the center in handler tests: signs commands with a center key and hands them out as consumed records. */
public final class TestCenter {

    private static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);

    public final CryptoSuite suite;
    public final PrivateKeyHandle centerKey;
    private final EnvelopeSealer sealer;
    private final Map<String, Long> nextOffset = new HashMap<>();
    /** Fingerprint of the VM key last delivered, by VM id and epoch ("vm@epoch"). */
    public final Map<String, String> fingerprints = new HashMap<>();

    public TestCenter(CryptoSuite suite) {
        this(suite, suite.generateSigningKey());
    }

    public TestCenter(CryptoSuite suite, PrivateKeyHandle centerKey) {
        this.suite = suite;
        this.centerKey = centerKey;
        this.sealer = new EnvelopeSealer(suite.signer(centerKey), Clock.systemUTC(), Duration.ofMinutes(10));
    }

    public PublicKeyHandle publicKey() {
        return centerKey.publicKey();
    }

    /** The command as the host's consumer would see it, at the next offset of the host's command topic. */
    public CommandRecord record(String hostId, SignedEnvelope envelope) {
        String topic = Topics.hostCommandsTopicName(hostId);
        long offset = nextOffset.merge(topic, 1L, Long::sum) - 1;
        return at(topic, offset, envelope);
    }

    public static CommandRecord at(String topic, long offset, SignedEnvelope envelope) {
        return new CommandRecord(topic, 0, offset, envelope.getVmId().getBytes(StandardCharsets.UTF_8),
                ENVELOPES.encode(envelope));
    }

    public SignedEnvelope seal(String migrationId, String vmId, String hostId, long epoch, SpecificRecord body) {
        return sealer.seal(Addressing.of(migrationId, vmId, hostId, epoch), body);
    }

    public SignedEnvelope createTarget(String migrationId, String vmId, String destination, String source, long epoch) {
        return seal(migrationId, vmId, destination, epoch, CreateTargetVm.newBuilder().setMigrationId(migrationId)
                .setVmId(vmId).setSourceHostId(source).setDeadline(Instant.now().plusSeconds(600)).build());
    }

    public SignedEnvelope migrateOut(String migrationId, String vmId, String source, String destination, long epoch) {
        return seal(migrationId, vmId, source, epoch, MigrateOut.newBuilder().setMigrationId(migrationId).setVmId(vmId)
                .setDestinationHostId(destination).setDeadline(Instant.now().plusSeconds(600)).build());
    }

    /** A fresh VM key, wrapped to {@code recipient}'s encapsulation key for {@code bindingHost}. */
    public SignedEnvelope deliverVmKey(String migrationId, String vmId, String addressedHost, String bindingHost,
            long epoch, PublicKeyHandle recipient) {
        PrivateKeyHandle vmKey = suite.generateSigningKey();
        SecretBytes pkcs8 = vmKey.exportPkcs8(SecretKeyAccess.insecureSecretAccess());
        byte[] wrapped = suite.keyWrapper(recipient)
                .wrap(pkcs8, KeyContexts.deliverVmKey(migrationId, vmId, addressedHost)).toBytes();
        pkcs8.destroy();
        fingerprints.put(vmId + "@" + epoch, vmKey.keyId().toString());
        Binding binding = Binding.newBuilder().setVmId(vmId).setHostId(bindingHost)
                .setKeyFingerprint(vmKey.keyId().toString()).setEpoch(epoch)
                .setMigrationId(KeyContexts.isRegistration(migrationId) ? null : migrationId).build();
        DeliverVmKey body = DeliverVmKey.newBuilder().setMigrationId(migrationId).setBinding(binding)
                .setVmPublicKey(PublicKeyRecords.toRecord(vmKey.publicKey()))
                .setWrappedPrivateKey(ByteBuffer.wrap(wrapped)).build();
        vmKey.destroy();
        return seal(migrationId, vmId, addressedHost, epoch, body);
    }

    public SignedEnvelope forward(VmAttestation attestation, String destination, String attestationMessageId, long epoch) {
        return seal(attestation.getMigrationId(), attestation.getVmId(), destination, epoch,
                ForwardedVmAttestation.newBuilder().setMigrationId(attestation.getMigrationId())
                        .setVmId(attestation.getVmId()).setSourceHostId(attestation.getHostId())
                        .setDescriptionDigest(attestation.getDescriptionDigest())
                        .setImageManifestDigest(attestation.getImageManifestDigest())
                        .setSourceAttestationMessageId(attestationMessageId).build());
    }

    public SignedEnvelope deregister(String migrationId, String vmId, String source, long newEpoch, String retiredFingerprint) {
        return seal(migrationId, vmId, source, newEpoch, DeregisterVm.newBuilder().setMigrationId(migrationId)
                .setVmId(vmId).setEpoch(newEpoch).setRetiredKeyFingerprint(retiredFingerprint).build());
    }

    public SignedEnvelope abort(String migrationId, String vmId, String host, HostRole role, long epoch) {
        return seal(migrationId, vmId, host, epoch, AbortMigration.newBuilder().setMigrationId(migrationId).setVmId(vmId)
                .setRole(role).setReason(RefusalReason.DEADLINE_PASSED).setDetail("test").build());
    }
}
