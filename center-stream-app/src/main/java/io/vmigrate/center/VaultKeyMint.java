package io.vmigrate.center;

import io.vmigrate.center.workflow.MintedVmKey;
import io.vmigrate.center.workflow.VmKeyMint;
import io.vmigrate.schema.center.VaultedVmKey;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.trust.PublicKeyHandle;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Optional;

/** The machine's key mint over the real vault and the trust registry's encapsulation keys. */
final class VaultKeyMint implements VmKeyMint {

    private final CenterVault vault;
    private final HostDirectory directory;

    VaultKeyMint(CenterVault vault, HostDirectory directory) {
        this.vault = vault;
        this.directory = directory;
    }

    @Override
    public Optional<MintedVmKey> mint(String migrationId, String vmId, long epoch, String hostId, Instant now) {
        // Looked up here, not checked before: the key is minted only for a host that has one right now.
        Optional<PublicKeyHandle> encapsulationKey = directory.encapsulationKey(hostId);
        if (encapsulationKey.isEmpty()) {
            return Optional.empty();
        }
        VaultedVmKey vaulted = vault.mintVmKey(vmId, epoch, hostId, now);
        byte[] wrapped = vault.wrapForHost(vaulted, encapsulationKey.get(),
                KeyContexts.deliverVmKey(migrationId, vmId, hostId));
        String fingerprint = PublicKeyRecords.fromRecord(vaulted.getVmPublicKey()).keyId().toString();
        return Optional.of(new MintedVmKey(vaulted, fingerprint, ByteBuffer.wrap(wrapped)));
    }
}
