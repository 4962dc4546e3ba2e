package io.vmigrate.securezone;

import java.util.Objects;

/**
 * One VM key in the vTCM store: which VM and binding epoch it belongs to, its fingerprint (key id
 * of the VM public key), the migration that delivered it, and the private key sealed under the
 * store's sealing key with {@code vmId ‖ epoch} as associated data. Never holds plaintext.
 */
public final class InstalledVmKey {

    private final String vmId;
    private final long epoch;
    private final String keyFingerprint;
    private final String migrationId;
    private final byte[] sealedPrivateKey;

    public InstalledVmKey(String vmId, long epoch, String keyFingerprint, String migrationId, byte[] sealedPrivateKey) {
        this.vmId = Objects.requireNonNull(vmId, "vmId");
        this.epoch = epoch;
        this.keyFingerprint = Objects.requireNonNull(keyFingerprint, "keyFingerprint");
        this.migrationId = Objects.requireNonNull(migrationId, "migrationId");
        this.sealedPrivateKey = sealedPrivateKey.clone();
    }

    public String vmId() {
        return vmId;
    }

    public long epoch() {
        return epoch;
    }

    public String keyFingerprint() {
        return keyFingerprint;
    }

    public String migrationId() {
        return migrationId;
    }

    /** AEAD ciphertext bytes of the PKCS#8 private key (a copy). */
    public byte[] sealedPrivateKey() {
        return sealedPrivateKey.clone();
    }

    @Override
    public String toString() {
        return "InstalledVmKey[vm=" + vmId + ", epoch=" + epoch + ", fingerprint=" + keyFingerprint
                + ", migration=" + migrationId + "]";
    }
}
