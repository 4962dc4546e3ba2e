package io.vmigrate.securezone;

import io.vmigrate.trust.Aead;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SealedKeyStore;
import io.vmigrate.trust.SecretBytes;
import io.vmigrate.trust.Suite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The VM keys of a stopped or running zone's vTCM store, unsealed with the sealing password the test
 * configured, to check what the zone really holds. The caller owns the handles.
 */
final class UnsealedVmKeys {

    private UnsealedVmKeys() {}

    static List<PrivateKeyHandle> open(Path stateDir, char[] password) throws Exception {
        List<InstalledVmKey> installed = VtcmStore.listInstalled(stateDir, password);
        if (installed.isEmpty()) {
            return List.of();
        }
        Path keyStore = stateDir.resolve(ZoneKeys.FILE_NAME);
        if (!Files.exists(keyStore)) {
            throw new AssertionError("no sealed key store in " + stateDir);
        }
        Suite suite = ZoneJournal.suiteOf(stateDir);
        Aead sealing;
        try (SealedKeyStore store = SealedKeyStore.openOrCreate(keyStore, password)) {
            SecretBytes key = store.getSecret(ZoneKeys.VTCM_SEALING_ALIAS).orElseThrow();
            try {
                sealing = CryptoSuites.get(suite).aead(key);
            } finally {
                key.destroy();
            }
        }
        List<PrivateKeyHandle> keys = new ArrayList<>(installed.size());
        for (InstalledVmKey key : installed) {
            keys.add(VtcmStore.unseal(sealing, suite, key));
        }
        return List.copyOf(keys);
    }
}
