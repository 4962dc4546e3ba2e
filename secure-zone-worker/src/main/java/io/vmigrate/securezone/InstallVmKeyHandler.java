package io.vmigrate.securezone;

import io.vmigrate.schema.securezone.SecureZoneOperationType;
import io.vmigrate.schema.envelope.MessageCatalogue;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.common.Binding;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.securezone.InstallVmKey;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.securezone.CommandGate.RefusalReply;
import io.vmigrate.securezone.ZoneState.KeyInstalled;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.SecretBytes;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.UnwrapRefusedException;
import io.vmigrate.trust.WrappedKey;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INSTALL_VM_KEY: unwraps a delivered VM key with the zone's encapsulation key, checks it against
 * the binding (this host, this VM, a newer epoch, the bound fingerprint) and seals it into the vTCM
 * store, replacing an older key of the VM. Answered with a signed KeyInstallReply either way.
 */
final class InstallVmKeyHandler implements OperationHandler {

    private static final Logger LOG = LoggerFactory.getLogger(InstallVmKeyHandler.class);
    private static final Set<MessageType> ACCEPTED =
            MessageCatalogue.commandsVerifiedBy(SecureZoneOperationType.INSTALL_VM_KEY);

    private final String hostId;
    private final CryptoSuite crypto;
    private final ZoneKeys keys;
    private final CommandGate gate;
    private final ReplySigner replies;

    InstallVmKeyHandler(String hostId, CryptoSuite crypto, ZoneKeys keys, CommandGate gate, ReplySigner replies) {
        this.hostId = hostId;
        this.crypto = crypto;
        this.keys = keys;
        this.gate = gate;
        this.replies = replies;
    }

    @Override
    public SecureZoneResponse handle(RelayedRequest request, SpecificRecord operation) throws IOException {
        return gate.carryOut(request.sequence(), ((InstallVmKey) operation).getEnvelope(), ACCEPTED,
                RefusalReply.KEY_INSTALL_FAILED, this::install);
    }

    private byte[] install(OpenedEnvelope opened, Transition tx) throws ZoneRefusal {
        SignedEnvelope envelope = opened.envelope();
        DeliverVmKey delivery = opened.body(DeliverVmKey.class);
        Binding binding = delivery.getBinding();
        String vmId = envelope.getVmId();
        if (!hostId.equals(binding.getHostId())) {
            throw new ZoneRefusal(RefusalReason.WRONG_HOST, "binding names host " + binding.getHostId() + ", this is " + hostId);
        }
        if (!vmId.equals(binding.getVmId())) {
            throw new ZoneRefusal(RefusalReason.BINDING_MISMATCH, "binding names VM " + binding.getVmId() + ", envelope " + vmId);
        }
        Optional<InstalledVmKey> held = tx.installedKey(vmId);
        if (held.isPresent() && held.get().epoch() >= binding.getEpoch()) {
            throw new ZoneRefusal(RefusalReason.STALE_EPOCH, "binding epoch " + binding.getEpoch()
                    + " is not newer than held epoch " + held.get().epoch() + " of VM " + vmId);
        }
        PublicKeyHandle vmPublicKey;
        try {
            vmPublicKey = PublicKeyRecords.fromRecord(delivery.getVmPublicKey());
        } catch (IllegalArgumentException e) {
            throw new ZoneRefusal(RefusalReason.BINDING_MISMATCH, "VM public key record is invalid: " + e.getMessage());
        }
        PrivateKeyHandle vmKey = unwrap(delivery, envelope.getMigrationId(), vmId);
        try {
            if (!vmKey.publicKey().equals(vmPublicKey)) {
                throw new ZoneRefusal(RefusalReason.BINDING_MISMATCH, "delivered private key does not match vmPublicKey "
                        + vmPublicKey.keyId());
            }
            if (!vmKey.keyId().toString().equals(binding.getKeyFingerprint())) {
                throw new ZoneRefusal(RefusalReason.BINDING_MISMATCH, "delivered key " + vmKey.keyId()
                        + " is not the binding's key " + binding.getKeyFingerprint());
            }
        } catch (ZoneRefusal refusal) {
            vmKey.destroy();
            throw refusal;
        }
        byte[] sealed = VtcmStore.seal(keys.vtcmSealing(), vmKey, vmId, binding.getEpoch());
        String fingerprint = binding.getKeyFingerprint();
        tx.installKey(new InstalledVmKey(vmId, binding.getEpoch(), fingerprint, envelope.getMigrationId(), sealed), vmKey);
        tx.putKeyInstalled(envelope.getMigrationId(), new KeyInstalled(vmId, fingerprint, binding.getEpoch()),
                envelope.getExpiresAt().toEpochMilli());
        held.ifPresent(old -> LOG.info("host {}: VM key {} (epoch {}) of VM {} is replaced and destroyed", hostId,
                old.keyFingerprint(), old.epoch(), vmId));
        KeyInstallReply reply = KeyInstallReply.newBuilder()
                .setMigrationId(envelope.getMigrationId()).setVmId(vmId).setHostId(hostId)
                .setOutcome(KeyInstallOutcome.INSTALLED).setKeyFingerprint(fingerprint).setEpoch(binding.getEpoch())
                .build();
        return replies.seal(envelope.getMigrationId(), vmId, envelope.getBindingEpoch(), reply);
    }

    private PrivateKeyHandle unwrap(DeliverVmKey delivery, String migrationId, String vmId) throws ZoneRefusal {
        SecretBytes pkcs8;
        try {
            WrappedKey wrapped = WrappedKey.parse(ByteBuffers.toArray(delivery.getWrappedPrivateKey()));
            pkcs8 = crypto.keyUnwrapper(keys.encapsulationKey()).unwrap(wrapped, KeyContexts.deliverVmKey(migrationId, vmId, hostId));
        } catch (MalformedBlobException | UnwrapRefusedException | IllegalArgumentException e) {
            throw new ZoneRefusal(RefusalReason.UNWRAP_FAILED, "wrapped VM key does not unwrap with encapsulation key "
                    + keys.encapsulationKey().keyId() + " for this migration, VM and host");
        }
        try {
            return PrivateKeyHandle.importPkcs8(crypto.suite(), KeyPurpose.SIGNING, pkcs8, SecretKeyAccess.insecureSecretAccess());
        } catch (RuntimeException e) {
            throw new ZoneRefusal(RefusalReason.UNWRAP_FAILED, "unwrapped bytes are not a " + crypto.suite() + " signing key");
        } finally {
            pkcs8.destroy();
        }
    }
}
