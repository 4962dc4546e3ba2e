package io.vmigrate.securezone;

import io.vmigrate.trust.Aead;
import io.vmigrate.trust.AeadCiphertext;
import io.vmigrate.trust.Context;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.DecryptionRefusedException;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SealedKeyStoreException;
import io.vmigrate.trust.SecretBytes;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The vTCM store of installed VM keys, read from a secure zone's state directory. Each VM private
 * key is AEAD-sealed under the zone's vTCM sealing key (kept in the sealed key store) with
 * {@code vmId ‖ epoch} as associated data, so a sealed key moved to another VM or epoch fails to open.
 *
 * <p>The static readers are for inspection and tests (e.g. to scan topics for these private key
 * bytes); they open the files read-only and are safe while the zone runs, because every write
 * atomically replaces a whole file.
 */
public final class VtcmStore {

    private VtcmStore() {}

    /** The installed keys' metadata and sealed bytes; no password needed, nothing unsealed. */
    public static List<InstalledVmKey> listInstalled(Path stateDir) throws IOException {
        if (!Files.exists(stateDir.resolve(ZoneStateFile.FILE_NAME))) {
            return List.of();
        }
        return List.copyOf(ZoneStateFile.readAny(stateDir).installedByVm.values());
    }

    /**
     * Unseals every installed VM key of the state dir. The caller owns the handles (destroy them).
     *
     * @throws IOException if the state or key store cannot be read, or the password is wrong
     */
    public static List<PrivateKeyHandle> openInstalledKeys(Path stateDir, char[] password) throws IOException {
        List<InstalledVmKey> installed = listInstalled(stateDir);
        if (installed.isEmpty()) {
            return List.of();
        }
        if (!Files.exists(stateDir.resolve(ZoneKeys.FILE_NAME))) {
            throw new IOException("no sealed key store in " + stateDir);
        }
        Suite suite = ZoneStateFile.suiteOf(stateDir);
        CryptoSuite crypto = CryptoSuites.get(suite);
        Aead sealing;
        try {
            sealing = ZoneKeys.openVtcmSealing(stateDir, password, crypto);
        } catch (SealedKeyStoreException e) {
            throw new IOException("cannot open the sealed key store of " + stateDir + ": " + e.getMessage(), e);
        }
        List<PrivateKeyHandle> keys = new ArrayList<>(installed.size());
        for (InstalledVmKey key : installed) {
            try {
                keys.add(unseal(sealing, suite, key));
            } catch (MalformedBlobException | DecryptionRefusedException e) {
                throw new IOException("cannot unseal the VM key of " + key.vmId() + " epoch " + key.epoch(), e);
            }
        }
        return List.copyOf(keys);
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
