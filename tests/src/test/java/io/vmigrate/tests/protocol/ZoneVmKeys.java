package io.vmigrate.tests.protocol;

import io.vmigrate.securezone.InstalledVmKey;
import io.vmigrate.securezone.VtcmStore;
import io.vmigrate.trust.Aead;
import io.vmigrate.trust.AeadCiphertext;
import io.vmigrate.trust.Context;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SealedKeyStore;
import io.vmigrate.trust.SecretBytes;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The VM private keys a secure zone holds, read the way only their owner can: opens the zone's sealed
 * key store with the sealing password the test itself configured, takes the vTCM sealing key from it
 * and unseals every installed key of the vTCM store. For the key scan, which must know the real key
 * bytes to look for them.
 *
 * <p>The at-rest layout (key store file, alias, associated data) is restated from the secure zone's
 * {@code ZoneKeys} and {@code VtcmStore} on purpose: if it changes there, this fails loudly; it can
 * never quietly find no keys and let the scan pass.
 */
final class ZoneVmKeys {

    private static final String KEY_STORE_FILE = "keys.bcfks";
    private static final String VTCM_SEALING_ALIAS = "vtcm-sealing";

    private ZoneVmKeys() {}

    /** The PKCS#8 bytes of every VM key installed in the zone whose state dir is {@code stateDir}. */
    static List<byte[]> installedPkcs8(Path stateDir, char[] sealingPassword, Suite suite) throws Exception {
        List<InstalledVmKey> installed = VtcmStore.listInstalled(stateDir, sealingPassword);
        if (installed.isEmpty()) {
            return List.of();
        }
        Path keyStore = stateDir.resolve(KEY_STORE_FILE);
        if (!Files.exists(keyStore)) {
            throw new IOException("no sealed key store in " + stateDir);
        }
        Aead sealing;
        try (SealedKeyStore store = SealedKeyStore.openOrCreate(keyStore, sealingPassword)) {
            SecretBytes key = store.getSecret(VTCM_SEALING_ALIAS)
                    .orElseThrow(() -> new IOException("no vTCM sealing key in " + keyStore));
            try {
                sealing = CryptoSuites.get(suite).aead(key);
            } finally {
                key.destroy();
            }
        }
        List<byte[]> keys = new ArrayList<>(installed.size());
        for (InstalledVmKey vmKey : installed) {
            byte[] plaintext = sealing.decrypt(AeadCiphertext.parse(vmKey.sealedPrivateKey()),
                    Context.of("", vmKey.vmId(), "", "vtcm-vm-key@" + vmKey.epoch()).encode());
            // Imported and exported again, so the bytes are the key's canonical PKCS#8 encoding.
            PrivateKeyHandle handle = PrivateKeyHandle.importPkcs8(suite, KeyPurpose.SIGNING, SecretBytes.copyOf(plaintext),
                    SecretKeyAccess.insecureSecretAccess());
            try {
                keys.add(handle.exportPkcs8(SecretKeyAccess.insecureSecretAccess())
                        .toByteArray(SecretKeyAccess.insecureSecretAccess()));
            } finally {
                handle.destroy();
            }
        }
        return keys;
    }
}
