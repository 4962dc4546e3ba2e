package io.vmigrate.securezone;

import io.vmigrate.trust.Aead;
import io.vmigrate.trust.AeadCiphertext;
import io.vmigrate.trust.Context;
import io.vmigrate.trust.DecryptionRefusedException;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SecretBytes;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import io.vmigrate.trust.SealedKeyStoreException;
import io.vmigrate.trust.CryptoSuites;
import java.util.Arrays;
import java.util.List;

/**
 * The vTCM store of installed VM keys, read from a secure zone's state directory. Each VM private
 * key is AEAD-sealed under the zone's vTCM sealing key (kept in the sealed key store) with
 * {@code vmId ‖ epoch} as associated data, so a sealed key moved to another VM or epoch fails to open;
 * each in its own file ({@link VmKeyFiles}), the journal naming which are installed.
 *
 * <p>{@link #listInstalled} is for offline inspection: it opens the state read-only and unseals no VM
 * key, and is safe while the zone runs: a compaction atomically replaces the journal, and an append in
 * progress reads as a torn tail, ignored.
 */
public final class VtcmStore {

    private VtcmStore() {}

    /**
     * The installed keys' metadata and sealed bytes, nothing unsealed. The state file is sealed, so this
     * needs the zone's sealing password (it opens the key store for the state-sealing key only).
     */
    public static List<InstalledVmKey> listInstalled(Path stateDir, char[] sealingPassword) throws IOException {
        if (!ZoneJournal.exists(stateDir)) {
            return List.of();
        }
        Suite suite = ZoneJournal.suiteOf(stateDir);
        Optional<Aead> sealing;
        try {
            sealing = ZoneKeys.stateSealingOf(stateDir, sealingPassword, CryptoSuites.get(suite));
        } catch (SealedKeyStoreException e) {
            throw new IOException("cannot open the secure zone's sealed keys in " + stateDir + ": " + e.getMessage(), e);
        }
        if (sealing.isEmpty()) {
            throw new IOException("secure zone in " + stateDir + " has a state file but no state-sealing key");
        }
        VmKeyFiles files = VmKeyFiles.of(stateDir);
        // While the zone runs, a key read from the journal may be destroyed before its file is read: then the
        // journal is read again, which no longer names it. A file still missing after that was removed by someone else.
        for (int attempt = 1; ; attempt++) {
            List<InstalledVmKey> installed = new java.util.ArrayList<>();
            boolean raced = false;
            for (InstalledVmKey key : ZoneJournal.readAny(stateDir, sealing.get()).installedKeys()) {
                Optional<InstalledVmKey> withBytes = files.withSealedBytesIfPresent(key);
                if (withBytes.isEmpty()) {
                    raced = true;
                    break;
                }
                installed.add(withBytes.get());
            }
            if (!raced) {
                return List.copyOf(installed);
            }
            if (attempt == 3) {
                throw new IOException("secure zone state in " + stateDir + " names installed VM keys whose sealed key "
                        + "files are missing");
            }
        }
    }

    static byte[] seal(Aead sealing, PrivateKeyHandle vmKey, String vmId, long epoch) {
        SecretBytes pkcs8 = vmKey.exportPkcs8(SecretKeyAccess.insecureSecretAccess());
        byte[] plaintext = pkcs8.toByteArray(SecretKeyAccess.insecureSecretAccess());
        try {
            return sealing.encrypt(plaintext, associatedData(vmId, epoch)).toBytes();
        } finally {
            Arrays.fill(plaintext, (byte) 0);
            pkcs8.destroy();
        }
    }

    static PrivateKeyHandle unseal(Aead sealing, Suite suite, InstalledVmKey key)
            throws MalformedBlobException, DecryptionRefusedException {
        byte[] plaintext = sealing.decrypt(AeadCiphertext.parse(key.sealedPrivateKey()),
                associatedData(key.vmId(), key.epoch()));
        SecretBytes pkcs8 = SecretBytes.copyOf(plaintext);
        Arrays.fill(plaintext, (byte) 0);
        try {
            return PrivateKeyHandle.importPkcs8(suite, KeyPurpose.SIGNING, pkcs8, SecretKeyAccess.insecureSecretAccess());
        } finally {
            pkcs8.destroy();
        }
    }

    private static byte[] associatedData(String vmId, long epoch) {
        return Context.of("", vmId, "", "vtcm-vm-key@" + epoch).encode();
    }
}
